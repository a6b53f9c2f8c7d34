import { describe, expect, it } from 'vitest'
import { cost, entry, setup } from './helpers.js'

describe('expiry on the store clock', () => {
  it('serves an entry until expiresAt, not at it', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(1, { expiresAt: clock.t + 1000 }))
    clock.advance(999)
    expect(store.get('ks', 'k')).toBeDefined()
    expect(store.peek('ks', 'k')).toBeDefined()
    clock.advance(1)
    expect(store.peek('ks', 'k')).toBeUndefined()
    expect(store.get('ks', 'k')).toBeUndefined()
  })

  it('never expires an entry with expiresAt 0', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(1, { expiresAt: 0 }))
    clock.advance(10 * 365 * 24 * 3600_000)
    expect(store.get('ks', 'k')).toBeDefined()
  })

  it('does not store an entry that is already expired', () => {
    const { store, clock } = setup()
    expect(store.apply('ks', 'k', entry(1, { expiresAt: clock.t }))).toBe(false)
    expect(store.apply('ks', 'k', entry(2, { expiresAt: clock.t - 5 }))).toBe(false)
    expect(store.peek('ks', 'k')).toBeUndefined()
    expect(store.stats().keys).toBe(0)
  })

  it('lets an expired entry be replaced by any version once the tombstone-free key is gone', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(9, { expiresAt: clock.t + 10 }))
    clock.advance(10)
    // expiry is not a delete: there is no tombstone, so an older write may land
    expect(store.apply('ks', 'k', entry(1))).toBe(true)
  })

  it('extends and clears a ttl with touch', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(1, { expiresAt: clock.t + 100 }))
    store.touch('ks', 'k', clock.t + 500, 2n)
    clock.advance(200)
    expect(store.get('ks', 'k')).toBeDefined()
    store.touch('ks', 'k', 0, 3n)
    clock.advance(10_000)
    expect(store.get('ks', 'k')?.expiresAt).toBe(0)
    expect(store.stats().keys).toBe(1)
  })

  it('keeps a rewritten entry past its old deadline', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(1, { expiresAt: clock.t + 100 }))
    store.apply('ks', 'k', entry(2, { expiresAt: clock.t + 1000 }))
    clock.advance(500)
    expect(store.stats().keys).toBe(1)
    expect(store.get('ks', 'k')?.version).toBe(2n)
  })

  it('counts only live entries in stats, without any read', () => {
    const { store, clock } = setup()
    store.apply('ks', 'short', entry(1, { bytes: 10, expiresAt: clock.t + 100 }))
    store.apply('ks', 'long', entry(1, { bytes: 10, expiresAt: clock.t + 1000 }))
    store.apply('ks', 'ever', entry(1, { bytes: 10 }))
    clock.advance(100)
    const s = store.stats()
    expect(s.keys).toBe(2)
    expect(s.bytes).toBe(cost(4, 10) + cost(4, 10))
    clock.advance(900)
    expect(store.stats().keyspaces.ks).toEqual({ keys: 1, bytes: cost(4, 10), maxBytes: 512 * 1024 * 1024, evictions: 0 })
  })

  it('frees the budget of expired entries before evicting live ones', () => {
    const { store, clock } = setup()
    store.configure('ks', { maxBytes: 3 * cost(2, 100) })
    store.apply('ks', 'k0', entry(1, { bytes: 100 }))
    store.apply('ks', 'k1', entry(1, { bytes: 100, expiresAt: clock.t + 50 }))
    store.apply('ks', 'k2', entry(1, { bytes: 100, expiresAt: clock.t + 50 }))
    clock.advance(50)
    store.apply('ks', 'k3', entry(1, { bytes: 100 }))
    store.apply('ks', 'k4', entry(1, { bytes: 100 }))
    // k0 is the least recently used live entry, yet the dead ones made room
    expect(store.get('ks', 'k0')).toBeDefined()
    expect(store.stats().evictions).toBe(0)
    expect(store.stats().keys).toBe(3)
  })

  it('keeps every deadline when many rewrites leave stale ones behind', () => {
    const { store, clock } = setup()
    const t0 = clock.t
    for (let i = 0; i < 10; i++) store.apply('ks', `a${i}`, entry(1, { expiresAt: t0 + 100 + i }))
    // each rewrite of 'hot' strands its previous deadline, which forces the heap to be rebuilt
    for (let v = 1; v <= 500; v++) store.apply('ks', 'hot', entry(v, { expiresAt: t0 + 1_000_000 + v }))
    for (let i = 0; i < 10; i++) {
      clock.t = t0 + 100 + i
      expect(store.stats().keys).toBe(10 - i)
    }
    clock.t = t0 + 1_000_500
    expect(store.stats().keys).toBe(0)
  })

  it('agrees with a model over many random writes, rewrites and clock moves', () => {
    const { store, clock } = setup()
    let seed = 42
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n }
    const model = new Map<string, number>() // key -> expiresAt
    let version = 0n
    for (let i = 0; i < 5000; i++) {
      const key = `k${rand(200)}`
      const op = rand(10)
      if (op < 6) {
        const expiresAt = rand(4) === 0 ? 0 : clock.t + 1 + rand(20_000)
        store.apply('ks', key, entry(++version, { expiresAt }))
        model.set(key, expiresAt)
      } else if (op < 8 && model.has(key)) {
        const expiresAt = rand(3) === 0 ? 0 : clock.t + 1 + rand(20_000)
        if (store.touch('ks', key, expiresAt, ++version)) model.set(key, expiresAt)
      } else {
        clock.advance(rand(100))
      }
      if (i % 97 === 0) {
        const live = [...model].filter(([, at]) => at === 0 || at > clock.t).map(([k]) => k).sort()
        expect(store.stats().keys).toBe(live.length)
        expect([...store.entries('ks')].map(([, k]) => k).sort()).toEqual(live)
      }
    }
  })
})
