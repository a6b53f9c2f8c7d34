import type { AccessStatus } from './access/access.js'
import type { PersistStatus, Persister } from './persist/persister.js'
import type { Invalidator } from './invalidation/invalidator.js'
import type { NearCache } from './invalidation/near-cache.js'
import type { Member, Role } from './membership/member.js'
import type { Membership } from './membership/membership.js'
import type { Counters } from './operations/components.js'
import type { Store } from './store/index.js'

export interface MemberStatus {
  peerId: string
  role: Role
  weight: number
  addrs: string[]
  keys: number
  lastSeen: number
  self: boolean
}

export interface CacheStatus {
  peerId: string
  mesh: string
  role: Role
  members: MemberStatus[]
  keys: number
  bytes: number
  hits: number
  misses: number
  loads: number
  evictions: number
  near: { entries: number, hits: number, misses: number, hitRate: number }
  keyspaces: Record<string, { keys: number, bytes: number, maxBytes: number, evictions: number }>
  invalidationGaps: number
  misbehavingFrames: number
  /** Mesh secret and limits: verified peers, refusals, penalties (never the secret). */
  access: AccessStatus
  /** With `persist`: keys waiting to be written, keys written, failed batches, entries loaded at start. */
  persist?: PersistStatus
  uptimeMs: number
}

export interface StatusComponents {
  store: Pick<Store, 'stats'>
  near: Pick<NearCache, 'size' | 'hits' | 'misses'>
  membership: Pick<Membership, 'self' | 'members'>
  invalidator: Pick<Invalidator, 'gaps'>
  counters: Counters
  access: { status: () => AccessStatus }
  persister?: Pick<Persister, 'counts'>
}

/** The figures of `cache.status()`, read from the parts that keep them. */
export function statusOf (c: StatusComponents, mesh: string, startedAt: number): CacheStatus {
  const stats = c.store.stats()
  const nearLookups = c.near.hits + c.near.misses
  const self = c.membership.self
  const member = (m: Member): MemberStatus => ({
    peerId: m.peerId, role: m.role, weight: m.weight, addrs: m.addrs, keys: m.keys, lastSeen: m.lastSeen, self: m.peerId === self.peerId
  })
  return {
    peerId: self.peerId,
    mesh,
    role: self.role,
    members: [self, ...c.membership.members()].map(member),
    keys: stats.keys,
    bytes: stats.bytes,
    hits: c.counters.hits,
    misses: c.counters.misses,
    loads: c.counters.loads,
    evictions: stats.evictions,
    near: { entries: c.near.size, hits: c.near.hits, misses: c.near.misses, hitRate: nearLookups === 0 ? 0 : c.near.hits / nearLookups },
    keyspaces: stats.keyspaces,
    invalidationGaps: c.invalidator.gaps,
    misbehavingFrames: c.counters.misbehaving,
    ...(c.persister !== undefined ? { persist: { ...c.persister.counts } } : {}),
    access: c.access.status(),
    uptimeMs: Date.now() - startedAt
  }
}
