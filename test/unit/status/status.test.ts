import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { NearCache } from '../../../src/invalidation/near-cache.js'
import { statusOf } from '../../../src/status.js'
import { Store } from '../../../src/store/index.js'
import type { AccessStatus } from '../../../src/access/access.js'
import type { Member } from '../../../src/membership/member.js'
import type { Counters } from '../../../src/operations/components.js'
import type { StatusComponents } from '../../../src/status.js'

const NOW = 1_700_000_000_000
const DEFAULT_MAX_BYTES = 512 * 1024 * 1024

const SELF: Member = { peerId: 'self-peer', role: 'owner', weight: 2, incarnation: 10, addrs: ['/ip4/127.0.0.1/tcp/1'], lastSeen: NOW, keys: 2 }
const OTHER: Member = { peerId: 'other-peer', role: 'client', weight: 1, incarnation: 20, addrs: ['/ip4/10.0.0.2/tcp/2'], lastSeen: NOW - 500, keys: 0 }

const ACCESS: AccessStatus = { secret: true, verifiedPeers: 1, unauthorized: 2, rejected: 3, ignoredGossip: 4, penalizedPeers: 5, bannedPeers: 6 }

function components (): StatusComponents {
  const now = (): number => NOW
  const store = new Store({ now })
  // Cost = value bytes + 2 per key character + 64.
  store.apply('users', 'u1', { value: new Uint8Array(10), version: 1n, expiresAt: 0 }) // 10 + 4 + 64 = 78
  store.apply('sessions', 'session', { value: new Uint8Array(20), version: 2n, expiresAt: 0 }) // 20 + 14 + 64 = 98

  const near = new NearCache({ maxEntries: 10, maxStalenessMs: 5_000, now })
  near.set('users', 'far', { value: Uint8Array.of(1), version: 1n, expiresAt: 0, owner: 'other-peer', fetchedAt: NOW })
  near.get('users', 'far')
  near.get('users', 'far')
  near.get('users', 'far')
  near.get('users', 'absent')

  const counters: Counters = { hits: 7, misses: 8, loads: 9, sets: 10, deletes: 11, misbehaving: 12 }
  return {
    store,
    near,
    membership: { self: SELF, members: () => [OTHER] },
    invalidator: { gaps: 3 },
    counters,
    access: { status: () => ({ ...ACCESS }) }
  }
}

describe('statusOf', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('reads each figure from the part that keeps it', () => {
    const status = statusOf(components(), 'the-mesh', NOW - 1_234)
    expect(status).toEqual({
      peerId: 'self-peer',
      mesh: 'the-mesh',
      role: 'owner',
      members: [
        { peerId: 'self-peer', role: 'owner', weight: 2, addrs: ['/ip4/127.0.0.1/tcp/1'], keys: 2, lastSeen: NOW, self: true },
        { peerId: 'other-peer', role: 'client', weight: 1, addrs: ['/ip4/10.0.0.2/tcp/2'], keys: 0, lastSeen: NOW - 500, self: false }
      ],
      keys: 2,
      bytes: 78 + 98,
      hits: 7,
      misses: 8,
      loads: 9,
      evictions: 0,
      near: { entries: 1, hits: 3, misses: 1, hitRate: 0.75 },
      keyspaces: {
        users: { keys: 1, bytes: 78, maxBytes: DEFAULT_MAX_BYTES, evictions: 0 },
        sessions: { keys: 1, bytes: 98, maxBytes: DEFAULT_MAX_BYTES, evictions: 0 }
      },
      invalidationGaps: 3,
      misbehavingFrames: 12,
      access: ACCESS,
      uptimeMs: 1_234
    })
  })

  it('lists self first, flagged, and no one else as self', () => {
    const status = statusOf(components(), 'm', NOW)
    expect(status.members.map(m => [m.peerId, m.self])).toEqual([['self-peer', true], ['other-peer', false]])
  })

  it('follows the store: an expired entry leaves keys and bytes', () => {
    const c = components()
    const store = new Store({ now: Date.now })
    store.apply('users', 'u1', { value: new Uint8Array(10), version: 1n, expiresAt: NOW + 100 })
    store.apply('users', 'u2', { value: new Uint8Array(10), version: 1n, expiresAt: 0 })
    expect(statusOf({ ...c, store }, 'm', NOW)).toMatchObject({ keys: 2, bytes: 156 })
    vi.advanceTimersByTime(100)
    expect(statusOf({ ...c, store }, 'm', NOW)).toMatchObject({ keys: 1, bytes: 78, uptimeMs: 100 })
  })

  it('has a near hitRate of 0, not NaN, before any near lookup', () => {
    const c = components()
    const near = new NearCache({ maxEntries: 10, maxStalenessMs: 5_000 })
    expect(statusOf({ ...c, near }, 'm', NOW).near).toEqual({ entries: 0, hits: 0, misses: 0, hitRate: 0 })
  })
})
