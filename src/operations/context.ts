import { Frame } from '../protocol/frame.js'
import { Batches } from './batch.js'
import type { ReadThrough } from './get-or-load.js'
import type { LeaseTable } from './leases.js'
import type { HybridClock } from '../hlc.js'
import type { Invalidator } from '../invalidation/invalidator.js'
import type { NearCache } from '../invalidation/near-cache.js'
import type { Membership } from '../membership/membership.js'
import type { Ring } from '../ownership/index.js'
import type { OpHandler, Rpc } from '../protocol/rpc.js'
import type { Store } from '../store/index.js'
import type { Value } from '../values.js'

export type Loader = (key: string) => Value | undefined | Promise<Value | undefined>

export interface Settings {
  mesh: string
  replicas: number
  maxValueBytes: number
  /** 0 = entries never expire unless a TTL is given. */
  defaultTtlMs: number
  requestTimeoutMs: number
  /** How long a lease holder may take to fill a key before the lease passes on. */
  leaseTimeoutMs: number
}

export interface KeyspaceConfig {
  ttlMs?: number
  maxBytes?: number
  load?: Loader
  /** How long getOrLoad remembers that the loader found nothing. 0 = not at all. */
  missTtlMs?: number
  /** How long past its TTL getOrLoad may serve a value while one asker refreshes it. */
  staleMs?: number
}

export interface Counters {
  hits: number
  misses: number
  loads: number
  sets: number
  deletes: number
  misbehaving: number
}

/**
 * Everything an operation needs, built once by cache.ts. Operations are
 * plain functions over it: a file per operation, holding both the owner's
 * handler and the requester's side.
 */
export interface Context {
  readonly self: string
  readonly settings: Settings
  readonly store: Store
  readonly near: NearCache
  readonly invalidator: Invalidator
  readonly membership: Membership
  readonly rpc: Rpc
  /** Coalesces GETs and SETs to one peer within a turn (batch.ts). */
  readonly batches: Batches
  readonly clock: HybridClock
  readonly counters: Counters
  readonly keyspaces: Map<string, KeyspaceConfig>
  readonly handlers: Map<Frame['op'], OpHandler>
  readonly leases: LeaseTable
  /** Loads in flight on this peer, so concurrent local askers share one. */
  readonly loading: Map<string, Promise<ReadThrough>>
  /** Wall clock, injectable for tests. */
  now: () => number
  /** The owners of a key under the current view, primary first. */
  owners: (keyspace: string, key: string) => string[]
  /** The peers next in line after the owners of a key (its owners a view change ago, often). */
  successors: (keyspace: string, key: string) => string[]
  /** Names the current owner set; a SET carries it so owners can tell a writer's view from their own. */
  viewId: () => string
  /** The owners of a key under another ring (before or after a view change). */
  ownersIn: (ring: Ring, keyspace: string, key: string) => string[]
  /** Key handovers in flight, by receiving peer, so one join triggers one push. */
  readonly transfers: Map<string, Promise<void>>
  /** Keys pushed to a newcomer and kept here a while, by entry id: when they were handed off. */
  readonly handedOff: Map<string, number>
  /** How long a handed-off key stays: time enough for every member to hear of the newcomer. */
  readonly handOffGraceMs: number
}

const EMPTY: Frame = Frame.decode(new Uint8Array(0))

/**
 * Sends a request to a peer, or runs the handler in place when the peer is
 * this one: writes and reads treat the local owner like any other.
 */
export async function call (ctx: Context, peer: string, frame: Partial<Frame>, timeoutMs?: number): Promise<Frame> {
  if (peer !== ctx.self) {
    return timeoutMs === undefined && Batches.batches(frame) ? ctx.batches.request(peer, frame) : ctx.rpc.request(peer, frame, timeoutMs)
  }
  const handler = ctx.handlers.get(frame.op ?? EMPTY.op)
  if (handler == null) throw new Error(`no local handler for ${String(frame.op)}`)
  return { ...EMPTY, ...(await handler({ ...EMPTY, ...frame }, ctx.self)), response: true }
}

/**
 * When a write expires: an explicit TTL, else the keyspace's, else the cache's
 * default. In a keyspace with `staleMs`, the value turns stale at the TTL and
 * is kept `staleMs` longer for getOrLoad to serve while it refreshes.
 */
export function expiryFor (ctx: Context, keyspace: string, ttlMs: number | undefined): { expiresAt: number, staleAt?: number } {
  const config = ctx.keyspaces.get(keyspace)
  const ttl = ttlMs ?? config?.ttlMs ?? ctx.settings.defaultTtlMs
  if (ttl <= 0) return { expiresAt: 0 }
  const freshUntil = ctx.now() + ttl
  const staleMs = config?.staleMs ?? 0
  return staleMs > 0 ? { expiresAt: freshUntil + staleMs, staleAt: freshUntil } : { expiresAt: freshUntil }
}

/** Groups keys by the peers that should serve them (their owners, unless `peersOf` says otherwise), keeping each key's index. */
export function groupByOwners (
  ctx: Context,
  keyspace: string,
  keys: string[],
  peersOf = (key: string): string[] => ctx.owners(keyspace, key)
): Map<string, { owners: string[], indexes: number[] }> {
  const groups = new Map<string, { owners: string[], indexes: number[] }>()
  keys.forEach((key, index) => {
    const owners = peersOf(key)
    const id = owners.join(',')
    const group = groups.get(id)
    if (group == null) groups.set(id, { owners, indexes: [index] })
    else group.indexes.push(index)
  })
  return groups
}
