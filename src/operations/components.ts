import type { FanOut } from './fan-out.js'
import type { HybridClock } from '../hlc.js'
import type { NearCache } from '../invalidation/near-cache.js'
import type { UNSETTLED } from './batch.js'
import type { Entry, Frame } from '../protocol/frame.js'
import type { Store } from '../store/index.js'
import type { Value } from '../values.js'
import type { ComponentLogger } from '@libp2p/interface'

/*
 * The pieces operations are made of. Each operation declares the few it
 * needs as a Pick of OperationComponents, so a test hands it exactly those.
 */

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

/** How an operation reaches a peer; this peer itself is served in place, like any other owner. */
export interface Requests {
  call: (peer: string, frame: Partial<Frame>, timeoutMs?: number) => Promise<Frame>
  /** One key's live entry at the peer; undefined: it has none, and that is final; UNSETTLED: it has none, but its view is settling (a GET, batched with the turn's others). */
  getOne: (peer: string, keyspace: string, key: string) => Promise<Entry | undefined | typeof UNSETTLED>
  /** One entry to the peer (a SET chosen under `view`, batched); resolves with whether it stored it. */
  setOne: (peer: string, entry: Entry, view: string) => Promise<boolean>
}

/** Who owns what under the current membership view. */
export interface View {
  /** The owners of a key, primary first. The array is shared: never mutate it. */
  owners: (keyspace: string, key: string) => string[]
  /** The peers next in line after the owners of a key (its owners a view change ago, often). */
  successors: (keyspace: string, key: string) => string[]
  /** Names the current owner set; a SET carries it so owners can tell a writer's view from their own. */
  viewId: () => string
  /** Calls `listener` whenever the owners of any key may have changed: whoever remembers owners() forgets then. */
  onChange: (listener: () => void) => void
  /** Whether the peer is a live member (this peer is not one). */
  isMember: (peer: string) => boolean
  /**
   * No join, leave or death, and no owner failing a request, for the hand-off
   * grace, and no rebalance under way: one owner is asked, and its miss is final.
   */
  stable: () => boolean
  /**
   * Something may have left an owner without keys it should hold (an owner
   * failed a request, keys were handed to this peer): reads ask every owner,
   * and this peer's answers say its misses are not final, for a while.
   */
  disturbed: () => void
}

/** What an owner does after it changed an entry: tell the mesh (invalidation/). */
export interface Announcer {
  publish: (item: { keyspace: string, key: string, version: bigint }) => void
}

/** Everything cache.ts builds for the operations; each takes a Pick of it. */
export interface OperationComponents {
  /** This peer's id. */
  self: string
  settings: Settings
  store: Store
  near: NearCache
  clock: HybridClock
  invalidator: Announcer
  requests: Requests
  view: View
  /** Sends keys to all their owners (writes, deletes, expiry). */
  fanOut: Pick<FanOut, 'toAllOwners'>
  counters: Counters
  keyspaces: Map<string, KeyspaceConfig>
  /** Wall clock, injectable for tests. */
  now: () => number
  logger: ComponentLogger
}

/**
 * When a write expires: an explicit TTL, else the keyspace's, else the cache's
 * default. In a keyspace with `staleMs`, the value turns stale at the TTL and
 * is kept `staleMs` longer for getOrLoad to serve while it refreshes.
 */
export function expiryFor (
  { keyspaces, settings, now }: Pick<OperationComponents, 'keyspaces' | 'settings' | 'now'>,
  keyspace: string,
  ttlMs: number | undefined
): { expiresAt: number, staleAt?: number } {
  const config = keyspaces.get(keyspace)
  const ttl = ttlMs ?? config?.ttlMs ?? settings.defaultTtlMs
  if (ttl <= 0) return { expiresAt: 0 }
  const freshUntil = now() + ttl
  const staleMs = config?.staleMs ?? 0
  return staleMs > 0 ? { expiresAt: freshUntil + staleMs, staleAt: freshUntil } : { expiresAt: freshUntil }
}

/** Groups keys by the peers that should serve them (their owners, unless `peersOf` says otherwise), keeping each key's index. */
export function groupByOwners (
  view: Pick<View, 'owners'>,
  keyspace: string,
  keys: string[],
  peersOf = (key: string): string[] => view.owners(keyspace, key)
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
