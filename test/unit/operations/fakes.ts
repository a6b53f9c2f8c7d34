/**
 * Typed fakes for the operations' unit tests: the components of one fake
 * peer (real Store, NearCache, HybridClock and FanOut; a fixed view, an
 * announcer that records, a fake clock) and a small network of such peers
 * whose requests run the target peer's real handler table (handlers.ts).
 * Nothing here is cast: each fake is a value of the type it stands for.
 */
import { defaultLogger } from '@libp2p/logger'
import { ErrorCodes, MeshCacheError, fromRemote } from '../../../src/errors.js'
import { HybridClock } from '../../../src/hlc.js'
import { NearCache } from '../../../src/invalidation/near-cache.js'
import { Batches } from '../../../src/operations/batch.js'
import { FanOut } from '../../../src/operations/fan-out.js'
import { GetOperation } from '../../../src/operations/get.js'
import { ReadThroughOperation } from '../../../src/operations/get-or-load.js'
import { handlerTable, operationHandlers } from '../../../src/operations/handlers.js'
import { KeyspaceOperations } from '../../../src/operations/keyspaces.js'
import { withSingles } from '../../../src/operations/requests.js'
import { SetOperation } from '../../../src/operations/set.js'
import { Frame, Op } from '../../../src/protocol/frame.js'
import { Store } from '../../../src/store/index.js'
import type { Announcer, Counters, OperationComponents, Requests, Settings, View } from '../../../src/operations/components.js'
import type { Operations } from '../../../src/operations/handlers.js'
import type { Entry } from '../../../src/protocol/frame.js'
import type { OpHandler } from '../../../src/protocol/rpc.js'

/** A frame with every field at its default, as the decoder gives it. */
export const EMPTY: Frame = Frame.decode(new Uint8Array(0))

export const TEST_SETTINGS: Settings = {
  mesh: 'test',
  replicas: 2,
  maxValueBytes: 1024 * 1024,
  defaultTtlMs: 0,
  requestTimeoutMs: 5_000,
  leaseTimeoutMs: 1_000
}

export const NEAR_CACHE = { maxEntries: 100, maxStalenessMs: 5_000 }

/** The wall clock every part of a fake peer reads; move it by hand. */
export interface FakeClock { now: number }

export type Announced = Parameters<Announcer['publish']>[0]

/** An invalidator that only remembers what it was asked to announce. */
export class RecordingAnnouncer implements Announcer {
  readonly items: Announced[] = []

  publish (item: Announced): void {
    this.items.push(item)
  }
}

/**
 * A view fixed by the test: the same owners (and successors) for every key,
 * unless a key is given its own. Members are the peers isMember() admits.
 */
export class FakeView implements View {
  /** Owners, primary first, of every key not in `ownersByKey`. */
  allOwners: string[]
  readonly ownersByKey = new Map<string, string[]>()
  allSuccessors: string[]
  readonly successorsByKey = new Map<string, string[]>()
  id: string
  readonly members: Set<string>

  constructor (init: { owners?: string[], successors?: string[], id?: string, members?: Iterable<string> } = {}) {
    this.allOwners = init.owners ?? []
    this.allSuccessors = init.successors ?? []
    this.id = init.id ?? 'view-1'
    this.members = new Set(init.members)
  }

  // Arrow properties: they work unbound as well.
  owners = (_keyspace: string, key: string): string[] => this.ownersByKey.get(key) ?? this.allOwners
  successors = (_keyspace: string, key: string): string[] => this.successorsByKey.get(key) ?? this.allSuccessors
  viewId = (): string => this.id
  private readonly listeners: Array<() => void> = []
  onChange = (listener: () => void): void => { this.listeners.push(listener) }
  isMember = (peer: string): boolean => this.members.has(peer)
  /** Settling unless a test says otherwise: reads ask every owner. */
  settled = false
  /** How often an operation reported a failed owner. */
  disturbances = 0
  stable = (): boolean => this.settled
  disturbed = (): void => { this.disturbances++; this.settled = false }

  /** Gives `keys` these owners; with no keys, every key. */
  own (owners: string[], ...keys: string[]): void {
    for (const listener of this.listeners) listener()
    if (keys.length === 0) this.allOwners = owners
    for (const key of keys) this.ownersByKey.set(key, owners)
  }

  /** Gives `keys` these successors; with no keys, every key. */
  follow (successors: string[], ...keys: string[]): void {
    for (const listener of this.listeners) listener()
    if (keys.length === 0) this.allSuccessors = successors
    for (const key of keys) this.successorsByKey.set(key, successors)
  }
}

export function zeroCounters (): Counters {
  return { hits: 0, misses: 0, loads: 0, sets: 0, deletes: 0, misbehaving: 0 }
}

export interface ComponentsInit {
  requests: Requests
  view: View
  clock: FakeClock
  invalidator?: Announcer
  settings?: Partial<Settings>
}

/** Every component of one peer, as parts.ts builds them, but on a fake clock, view and network. */
export function fakeComponents (self: string, init: ComponentsInit): OperationComponents {
  const now = (): number => init.clock.now
  const partial = {
    self,
    settings: { ...TEST_SETTINGS, ...init.settings },
    store: new Store({ now }),
    near: new NearCache({ ...NEAR_CACHE, now }),
    clock: new HybridClock(now),
    invalidator: init.invalidator ?? new RecordingAnnouncer(),
    requests: init.requests,
    view: init.view,
    now,
    logger: defaultLogger()
  }
  return { ...partial, fanOut: new FanOut(partial), counters: zeroCounters(), keyspaces: new Map() }
}

// ---------------------------------------------------------------------------
// Counting requests

export interface RequestRecord {
  from: string
  to: string
  op: Op
  keyspace: string
  keys: string[]
  entries: Entry[]
  forwarded: boolean
  view: string
  timeoutMs?: number
}

export type RequestFilter = Partial<Pick<RequestRecord, 'from' | 'to' | 'op' | 'forwarded'>>

/** Requests as they were made, to count them per case. */
export class RequestLog {
  readonly records: RequestRecord[] = []

  add (from: string, to: string, frame: Partial<Frame>, timeoutMs?: number): void {
    this.records.push({
      from,
      to,
      op: frame.op ?? Op.NONE,
      keyspace: frame.keyspace ?? '',
      keys: frame.keys ?? [],
      entries: frame.entries ?? [],
      forwarded: frame.forwarded ?? false,
      view: frame.view ?? '',
      timeoutMs
    })
  }

  /** The records that match every field given. */
  where (filter: RequestFilter = {}): RequestRecord[] {
    return this.records.filter(r => (filter.from === undefined || r.from === filter.from) &&
      (filter.to === undefined || r.to === filter.to) &&
      (filter.op === undefined || r.op === filter.op) &&
      (filter.forwarded === undefined || r.forwarded === filter.forwarded))
  }

  count (filter: RequestFilter = {}): number {
    return this.where(filter).length
  }

  /** How many of each kind: { 'GET a→b': 1, 'SET a→c (forwarded)': 2 }. */
  tally (filter: RequestFilter = {}): Record<string, number> {
    const tally: Record<string, number> = {}
    for (const r of this.where(filter)) {
      const name = `${r.op} ${r.from}→${r.to}${r.forwarded ? ' (forwarded)' : ''}`
      tally[name] = (tally[name] ?? 0) + 1
    }
    return tally
  }

  clear (): void {
    this.records.length = 0
  }
}

// ---------------------------------------------------------------------------
// A network of fake peers

export interface FakePeer {
  id: string
  components: OperationComponents
  /** The same objects as in `components`, with their concrete types. */
  view: FakeView
  announcer: RecordingAnnouncer
  ops: Operations
  /** What this peer answers requests with. */
  handlers: Map<Op, OpHandler>
}

export interface NetworkInit {
  /** Owners of every key in every peer's view (default: none). */
  owners?: string[]
  successors?: string[]
  settings?: Partial<Settings>
  /** GETs and SETs to one peer in one turn leave as one frame, as with MeshRequests. Default false: one frame per call. */
  batching?: boolean
  /** A peer's handler table; default every operation's (handlers.ts). */
  handlers?: (peer: FakePeer) => Array<[Op, OpHandler]>
}

/**
 * Peers by id. A call to a peer runs its handler table; to this peer itself
 * in place (as MeshRequests does), to a peer in `down` (or unknown) it fails
 * with ERR_UNAVAILABLE, and a remote handler's error comes back as the wire
 * would bring it (fromRemote). Frames are cloned both ways.
 */
export class FakeNetwork {
  readonly clock: FakeClock = { now: 1_000_000 }
  readonly peers = new Map<string, FakePeer>()
  readonly down = new Set<string>()
  /** Every Requests.call, to this peer itself included. */
  readonly calls = new RequestLog()
  /** Every frame sent to another peer (with batching, one per batch). */
  readonly frames = new RequestLog()
  private readonly init: NetworkInit

  constructor (ids: string[], init: NetworkInit = {}) {
    this.init = init
    for (const id of ids) this.peers.set(id, this.makePeer(id, ids))
  }

  peer (id: string): FakePeer {
    const peer = this.peers.get(id)
    if (peer == null) throw new Error(`no fake peer ${id}`)
    return peer
  }

  /** Sets the owners of `keys` (of every key, with none) in every peer's view. */
  own (owners: string[], ...keys: string[]): void {
    for (const peer of this.peers.values()) peer.view.own(owners, ...keys)
  }

  follow (successors: string[], ...keys: string[]): void {
    for (const peer of this.peers.values()) peer.view.follow(successors, ...keys)
  }

  /** The peer stops answering and every view forgets it. */
  kill (id: string): void {
    this.down.add(id)
    for (const peer of this.peers.values()) peer.view.members.delete(id)
  }

  private makePeer (id: string, ids: string[]): FakePeer {
    const view = new FakeView({ owners: this.init.owners, successors: this.init.successors, members: ids.filter(p => p !== id) })
    const announcer = new RecordingAnnouncer()
    const batches = new Batches(async (to, frame) => this.send(id, to, frame))
    const call: Requests['call'] = async (to, frame, timeoutMs) => {
      this.calls.add(id, to, frame, timeoutMs)
      if (to === id) return this.serve(id, id, frame)
      if (this.init.batching === true && timeoutMs === undefined && Batches.batches(frame)) return batches.request(to, frame)
      return this.send(id, to, frame, timeoutMs)
    }
    // Single-key reads and writes take the batches' own path when batching, as MeshRequests does.
    const singles = withSingles(call)
    const requests: Requests = {
      call,
      getOne: async (to, keyspace, key) => {
        if (to === id || this.init.batching !== true) return singles.getOne(to, keyspace, key)
        this.calls.add(id, to, { op: Op.GET, keyspace, keys: [key] })
        return batches.getOne(to, keyspace, key)
      },
      setOne: async (to, entry, view) => {
        if (to === id || this.init.batching !== true) return singles.setOne(to, entry, view)
        this.calls.add(id, to, { op: Op.SET, view, entries: [entry] })
        return batches.setOne(to, entry, view)
      }
    }
    const components = fakeComponents(id, { requests, view, clock: this.clock, invalidator: announcer, settings: this.init.settings })
    const ops: Operations = {
      get: new GetOperation(components),
      set: new SetOperation(components),
      readThrough: new ReadThroughOperation(components),
      keyspaces: new KeyspaceOperations({ ...components, members: () => ids.filter(p => p !== id) }),
      apply: components
    }
    const peer: FakePeer = { id, components, view, announcer, ops, handlers: new Map() }
    const lists = this.init.handlers != null ? this.init.handlers(peer) : operationHandlers(ops)
    for (const [op, handler] of handlerTable([lists], () => {})) peer.handlers.set(op, handler)
    return peer
  }

  private async send (from: string, to: string, frame: Partial<Frame>, timeoutMs?: number): Promise<Frame> {
    this.frames.add(from, to, frame, timeoutMs)
    if (this.down.has(to) || !this.peers.has(to)) throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `${to} is unreachable`)
    try {
      return structuredClone(await this.serve(from, to, structuredClone(frame)))
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      throw fromRemote(err instanceof MeshCacheError ? err.code : ErrorCodes.REMOTE, message)
    }
  }

  private async serve (from: string, to: string, frame: Partial<Frame>): Promise<Frame> {
    const handler = this.peer(to).handlers.get(frame.op ?? Op.NONE)
    if (handler == null) throw new Error(`${to} has no handler for ${String(frame.op)}`)
    return { ...EMPTY, ...(await handler({ ...EMPTY, ...frame }, from)), response: true }
  }
}

/** A one-byte value, to tell versions apart at a glance. */
export function byte (n: number): Uint8Array {
  return Uint8Array.of(n)
}

/** Stores `key` at `peer` as if a write had reached it. */
export function put (peer: FakePeer, keyspace: string, key: string, value: number | Uint8Array, version: bigint, expiresAt = 0): void {
  peer.components.store.apply(keyspace, key, { value: typeof value === 'number' ? byte(value) : value, version, expiresAt })
}

/** The first byte of what `peer` stores for `key`, or undefined. */
export function held (peer: FakePeer, keyspace: string, key: string): number | undefined {
  return peer.components.store.peek(keyspace, key)?.value[0]
}
