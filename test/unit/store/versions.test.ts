import { describe, expect, it } from 'vitest'
import { entry, setup } from './helpers.js'

describe('apply: version ordering', () => {
  it('stores the first write and returns an equal entry', () => {
    const { store } = setup()
    const e = entry(1)
    expect(store.apply('ks', 'k', e)).toBe(true)
    expect(store.get('ks', 'k')).toEqual(e)
  })

  it('keeps a copy: changing the written or the read bytes changes nothing stored', () => {
    const { store } = setup()
    const e = entry(1, { fill: 7 })
    store.apply('ks', 'k', e)
    e.value.fill(0)
    store.get('ks', 'k')!.value.fill(0)
    expect([...store.get('ks', 'k')!.value]).toEqual([7, 7, 7, 7])
  })

  it('replaces with a newer version, rejects older and equal ones', () => {
    const { store } = setup()
    store.apply('ks', 'k', entry(5, { fill: 5 }))
    expect(store.apply('ks', 'k', entry(4, { fill: 4 }))).toBe(false)
    expect(store.apply('ks', 'k', entry(5, { fill: 9 }))).toBe(false)
    expect(store.get('ks', 'k')?.value[0]).toBe(5)
    expect(store.apply('ks', 'k', entry(6, { fill: 6 }))).toBe(true)
    expect(store.get('ks', 'k')?.value[0]).toBe(6)
    expect(store.get('ks', 'k')?.version).toBe(6n)
  })

  it('compares versions beyond 2^53 exactly', () => {
    const { store } = setup()
    const big = 2n ** 60n
    store.apply('ks', 'k', entry(big + 1n))
    expect(store.apply('ks', 'k', entry(big))).toBe(false)
    expect(store.apply('ks', 'k', entry(big + 2n))).toBe(true)
  })

  it('lets a newer but already-expired write supersede the live entry', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(1))
    expect(store.apply('ks', 'k', entry(2, { expiresAt: clock.t }))).toBe(false)
    expect(store.get('ks', 'k')).toBeUndefined()
    // the dead write still counts: an older late write cannot revive the key
    expect(store.apply('ks', 'k', entry(1))).toBe(false)
    expect(store.apply('ks', 'k', entry(3))).toBe(true)
  })

  it('lets a newer write too big for the budget supersede the live entry', () => {
    const { store } = setup()
    store.configure('ks', { maxBytes: 1000 })
    store.apply('ks', 'k', entry(1))
    expect(store.apply('ks', 'k', entry(2, { bytes: 2000 }))).toBe(false)
    expect(store.get('ks', 'k')).toBeUndefined()
    expect(store.apply('ks', 'k', entry(1))).toBe(false)
  })

  it('ignores an older oversized or expired write entirely', () => {
    const { store, clock } = setup()
    store.configure('ks', { maxBytes: 1000 })
    store.apply('ks', 'k', entry(5))
    expect(store.apply('ks', 'k', entry(4, { bytes: 2000 }))).toBe(false)
    expect(store.apply('ks', 'k', entry(4, { expiresAt: clock.t - 1 }))).toBe(false)
    expect(store.get('ks', 'k')?.version).toBe(5n)
  })
})

describe('remove: versioned delete', () => {
  it('removes only when newer than the live entry', () => {
    const { store } = setup()
    store.apply('ks', 'k', entry(5))
    expect(store.remove('ks', 'k', 4n)).toBe(false)
    expect(store.remove('ks', 'k', 5n)).toBe(false)
    expect(store.get('ks', 'k')?.version).toBe(5n)
    expect(store.remove('ks', 'k', 6n)).toBe(true)
    expect(store.get('ks', 'k')).toBeUndefined()
  })

  it('returns false for an absent key', () => {
    const { store } = setup()
    expect(store.remove('ks', 'nope', 1n)).toBe(false)
  })
})

describe('touch: versioned ttl change', () => {
  it('changes expiresAt and version when newer', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(1, { fill: 7 }))
    expect(store.touch('ks', 'k', clock.t + 100, 2n)).toBe(true)
    const e = store.get('ks', 'k')
    expect(e?.version).toBe(2n)
    expect(e?.expiresAt).toBe(clock.t + 100)
    expect(e?.value[0]).toBe(7)
  })

  it('refuses older or equal versions and absent keys', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(5))
    expect(store.touch('ks', 'k', clock.t + 100, 5n)).toBe(false)
    expect(store.touch('ks', 'k', clock.t + 100, 4n)).toBe(false)
    expect(store.get('ks', 'k')?.expiresAt).toBe(0)
    expect(store.touch('ks', 'other', clock.t + 100, 9n)).toBe(false)
    expect(store.touch('nokeyspace', 'k', clock.t + 100, 9n)).toBe(false)
  })

  it('raises the version, so a write older than the touch is refused', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(1))
    store.touch('ks', 'k', clock.t + 100, 3n)
    expect(store.apply('ks', 'k', entry(2))).toBe(false)
    expect(store.apply('ks', 'k', entry(4))).toBe(true)
  })

  it('does not mutate an entry a caller already holds', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(1))
    const held = store.get('ks', 'k')
    store.touch('ks', 'k', clock.t + 100, 2n)
    expect(held?.version).toBe(1n)
    expect(held?.expiresAt).toBe(0)
  })

  it('removes the entry with a tombstone when the new deadline is already past', () => {
    const { store, clock } = setup()
    store.apply('ks', 'k', entry(1))
    expect(store.touch('ks', 'k', clock.t, 2n)).toBe(true)
    expect(store.get('ks', 'k')).toBeUndefined()
    expect(store.apply('ks', 'k', entry(1))).toBe(false)
    expect(store.apply('ks', 'k', entry(3))).toBe(true)
  })
})
