import { describe, expect, it } from 'vitest'
import { NearCache } from '../../../src/invalidation/near-cache.js'
import type { NearEntry, NearCacheInit } from '../../../src/invalidation/near-cache.js'

class Clock {
  t = 1_700_000_000_000
  now = (): number => this.t
}

function setup (init: Partial<NearCacheInit> = {}): { near: NearCache, clock: Clock } {
  const clock = new Clock()
  return { near: new NearCache({ maxEntries: 100, maxStalenessMs: 10_000, now: clock.now, ...init }), clock }
}

function entry (clock: Clock, version: bigint, opts: Partial<NearEntry> = {}): NearEntry {
  return { value: new Uint8Array([Number(version % 256n)]), version, expiresAt: 0, owner: 'owner-1', fetchedAt: clock.t, ...opts }
}

describe('NearCache', () => {
  it('returns what was set, per keyspace and key', () => {
    const { near, clock } = setup()
    const e = entry(clock, 5n)
    near.set('users', 'k', e)
    expect(near.get('users', 'k')).toMatchObject(e)
    expect(near.get('orders', 'k')).toBeUndefined()
    expect(near.get('users', 'other')).toBeUndefined()
    expect(near.size).toBe(1)
  })

  it('does not confuse keyspace/key splits that concatenate alike', () => {
    const { near, clock } = setup()
    near.set('ab', 'c', entry(clock, 1n))
    expect(near.get('a', 'bc')).toBeUndefined()
  })

  it('counts hits and misses', () => {
    const { near, clock } = setup()
    near.set('s', 'k', entry(clock, 1n))
    near.get('s', 'k')
    near.get('s', 'k')
    near.get('s', 'missing')
    expect(near.hits).toBe(2)
    expect(near.misses).toBe(1)
  })

  it('stops serving a copy older than maxStalenessMs', () => {
    const { near, clock } = setup({ maxStalenessMs: 1000 })
    near.set('s', 'k', entry(clock, 1n))
    clock.t += 1000
    expect(near.get('s', 'k')).toBeDefined()
    clock.t += 1
    expect(near.get('s', 'k')).toBeUndefined()
    expect(near.size).toBe(0) // dropped, not just hidden
    expect(near.misses).toBe(1)
    // Time going back does not revive it.
    clock.t -= 500
    expect(near.get('s', 'k')).toBeUndefined()
  })

  it('measures staleness from fetchedAt, not from when set() ran', () => {
    const { near, clock } = setup({ maxStalenessMs: 1000 })
    near.set('s', 'k', entry(clock, 1n, { fetchedAt: clock.t - 900 }))
    clock.t += 101
    expect(near.get('s', 'k')).toBeUndefined()
  })

  it('stops serving an entry at its own expiresAt', () => {
    const { near, clock } = setup()
    near.set('s', 'k', entry(clock, 1n, { expiresAt: clock.t + 500 }))
    clock.t += 499
    expect(near.get('s', 'k')).toBeDefined()
    clock.t += 1
    expect(near.get('s', 'k')).toBeUndefined()
    expect(near.size).toBe(0)
  })

  it('keeps entries with expiresAt 0 until they are stale', () => {
    const { near, clock } = setup({ maxStalenessMs: 60_000 })
    near.set('s', 'k', entry(clock, 1n, { expiresAt: 0 }))
    clock.t += 59_999
    expect(near.get('s', 'k')).toBeDefined()
  })

  it('does not let an older copy replace a newer one', () => {
    const { near, clock } = setup()
    near.set('s', 'k', entry(clock, 10n))
    near.set('s', 'k', entry(clock, 9n))
    expect(near.get('s', 'k')?.version).toBe(10n)
    near.set('s', 'k', entry(clock, 11n))
    expect(near.get('s', 'k')?.version).toBe(11n)
  })

  it('lets a copy of the same version refresh fetchedAt', () => {
    const { near, clock } = setup({ maxStalenessMs: 1000 })
    near.set('s', 'k', entry(clock, 10n))
    clock.t += 900
    near.set('s', 'k', entry(clock, 10n))
    clock.t += 900
    expect(near.get('s', 'k')?.version).toBe(10n)
  })

  it('invalidate drops only copies older than the invalidation', () => {
    const { near, clock } = setup()
    near.set('s', 'old', entry(clock, 5n))
    near.set('s', 'same', entry(clock, 7n))
    near.set('s', 'new', entry(clock, 9n))
    expect(near.invalidate('s', 'old', 7n)).toBe(true)
    expect(near.invalidate('s', 'same', 7n)).toBe(false)
    expect(near.invalidate('s', 'new', 7n)).toBe(false)
    expect(near.invalidate('s', 'absent', 7n)).toBe(false)
    expect(near.invalidate('other', 'new', 100n)).toBe(false)
    expect(near.get('s', 'old')).toBeUndefined()
    expect(near.get('s', 'same')?.version).toBe(7n)
    expect(near.get('s', 'new')?.version).toBe(9n)
  })

  it('blocks a late fill older than an invalidation already seen', () => {
    const { near, clock } = setup()
    // The invalidation of version 10 overtakes a read answered with version 8.
    near.invalidate('s', 'k', 10n)
    near.set('s', 'k', entry(clock, 8n))
    expect(near.get('s', 'k')).toBeUndefined()
    // A fill at or after the invalidated version is the current value and is kept.
    near.set('s', 'k', entry(clock, 10n))
    expect(near.get('s', 'k')?.version).toBe(10n)
    near.set('s', 'k', entry(clock, 12n))
    expect(near.get('s', 'k')?.version).toBe(12n)
  })

  it('remembers invalidations by key across keyspaces: another keyspace\'s newer drop keeps an older copy out, never an old one in', () => {
    const { near, clock } = setup()
    near.invalidate('a', 'k', 10n)
    near.set('b', 'k', entry(clock, 8n))
    expect(near.get('b', 'k')).toBeUndefined() // a miss later, the safe side
    near.set('b', 'k', entry(clock, 11n))
    expect(near.get('b', 'k')?.version).toBe(11n)
    // The drop itself stays in its own keyspace.
    near.invalidate('a', 'k', 20n)
    expect(near.get('b', 'k')?.version).toBe(11n)
  })

  it('remembers the newest invalidation, not the last one heard', () => {
    const { near, clock } = setup()
    near.invalidate('s', 'k', 10n)
    near.invalidate('s', 'k', 4n) // a late, older invalidation
    near.set('s', 'k', entry(clock, 6n))
    expect(near.get('s', 'k')).toBeUndefined()
  })

  it('delete drops one copy', () => {
    const { near, clock } = setup()
    near.set('s', 'a', entry(clock, 1n))
    near.set('s', 'b', entry(clock, 1n))
    near.delete('s', 'a')
    expect(near.get('s', 'a')).toBeUndefined()
    expect(near.get('s', 'b')).toBeDefined()
  })

  it('dropOwner drops exactly the copies served by that owner', () => {
    const { near, clock } = setup()
    near.set('s', 'a', entry(clock, 1n, { owner: 'p1' }))
    near.set('t', 'b', entry(clock, 1n, { owner: 'p1' }))
    near.set('s', 'c', entry(clock, 1n, { owner: 'p2' }))
    expect(near.dropOwner('p1')).toBe(2)
    expect(near.get('s', 'a')).toBeUndefined()
    expect(near.get('t', 'b')).toBeUndefined()
    expect(near.get('s', 'c')).toBeDefined()
    expect(near.dropOwner('p1')).toBe(0)
  })

  it('dropKeyspace drops exactly that keyspace, not ones sharing its prefix', () => {
    const { near, clock } = setup()
    near.set('users', 'a', entry(clock, 1n))
    near.set('users', 'b', entry(clock, 1n))
    near.set('users2', 'a', entry(clock, 1n))
    near.set('user', 'sa', entry(clock, 1n))
    expect(near.dropKeyspace('users')).toBe(2)
    expect(near.get('users', 'a')).toBeUndefined()
    expect(near.get('users2', 'a')).toBeDefined()
    expect(near.get('user', 'sa')).toBeDefined()
  })

  it('clear forgets copies and invalidations', () => {
    const { near, clock } = setup()
    near.set('s', 'a', entry(clock, 1n))
    near.invalidate('s', 'b', 10n)
    near.clear()
    expect(near.size).toBe(0)
    near.set('s', 'b', entry(clock, 3n))
    expect(near.get('s', 'b')?.version).toBe(3n)
  })

  it('maxEntries 0 turns the near cache off', () => {
    const { near, clock } = setup({ maxEntries: 0 })
    near.set('s', 'k', entry(clock, 1n))
    expect(near.get('s', 'k')).toBeUndefined()
    expect(near.size).toBe(0)
    expect(near.invalidate('s', 'k', 2n)).toBe(false)
    expect(near.dropOwner('owner-1')).toBe(0)
    expect(near.dropKeyspace('s')).toBe(0)
    expect(near.hits).toBe(0)
  })

  it('keeps at most maxEntries copies, evicting the least recently used', () => {
    const { near, clock } = setup({ maxEntries: 3 })
    near.set('s', 'a', entry(clock, 1n))
    near.set('s', 'b', entry(clock, 1n))
    near.set('s', 'c', entry(clock, 1n))
    expect(near.get('s', 'a')).toBeDefined() // a is now the most recently used
    near.set('s', 'd', entry(clock, 1n))
    expect(near.size).toBe(3)
    expect(near.get('s', 'b')).toBeUndefined()
    expect(near.get('s', 'a')).toBeDefined()
    expect(near.get('s', 'c')).toBeDefined()
    expect(near.get('s', 'd')).toBeDefined()
  })

  it('uses Date.now when no clock is given', () => {
    const near = new NearCache({ maxEntries: 10, maxStalenessMs: 60_000 })
    near.set('s', 'fresh', { value: new Uint8Array(), version: 1n, expiresAt: 0, owner: 'o', fetchedAt: Date.now() })
    near.set('s', 'stale', { value: new Uint8Array(), version: 1n, expiresAt: 0, owner: 'o', fetchedAt: Date.now() - 120_000 })
    expect(near.get('s', 'fresh')).toBeDefined()
    expect(near.get('s', 'stale')).toBeUndefined()
  })

  it('says whether a copy it returned is still a hit: not once it was replaced, invalidated, evicted or is too old', () => {
    const { near, clock } = setup()
    near.set('ks', 'k', entry(clock, 1n))
    const first = near.get('ks', 'k')!
    expect(near.hit(first)).toBe(true)
    near.set('ks', 'k', entry(clock, 2n))
    expect(near.hit(first)).toBe(false)
    const second = near.get('ks', 'k')!
    near.invalidate('ks', 'k', 3n)
    expect(near.hit(second)).toBe(false)
    near.set('ks', 'k', entry(clock, 4n))
    const third = near.get('ks', 'k')!
    const hits = near.hits
    expect(near.hit(third)).toBe(true)
    expect(near.hits).toBe(hits + 1)
    clock.t += 10_001 // past maxStalenessMs
    expect(near.hit(third)).toBe(false)
  })

  it('keeps a copy that hit() keeps reading, though it moves it in the LRU only once half the cache went past it', () => {
    const { near, clock } = setup({ maxEntries: 4 })
    for (const k of ['a', 'b', 'c', 'd']) near.set('ks', k, entry(clock, 1n))
    const a = near.get('ks', 'a')!
    for (let i = 0; i < 20; i++) {
      near.set('ks', `new-${i}`, entry(clock, 1n))
      expect(near.hit(a)).toBe(true)
    }
    expect(near.get('ks', 'a')).toBeDefined()
    expect(near.size).toBe(4)
    // Not read any more: it goes once four newer ones came.
    for (let i = 0; i < 4; i++) near.set('ks', `later-${i}`, entry(clock, 1n))
    expect(near.hit(a)).toBe(false)
    expect(near.get('ks', 'a')).toBeUndefined()
  })
})
