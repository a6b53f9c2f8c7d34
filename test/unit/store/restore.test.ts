import { describe, expect, it } from 'vitest'
import { cost, entry, setup } from './helpers.js'

describe('restoreEntry (a start loading from disk)', () => {
  it('stores the entry as apply would, without announcing it', () => {
    const changed: string[] = []
    const { store, clock } = setup({ onChange: (_ks, key) => { changed.push(String(key)) } })
    expect(store.restoreEntry('ks', 'a', entry(7, { expiresAt: clock.t + 1_000 }))).toBe(true)
    expect(store.peek('ks', 'a')).toMatchObject({ version: 7n, expiresAt: clock.t + 1_000 })
    expect(changed).toEqual([])
    // Its expiry is scheduled like any entry's.
    clock.advance(1_000)
    expect(store.get('ks', 'a')).toBeUndefined()
    // A later write goes through the usual version check against it.
    store.restoreEntry('ks', 'b', entry(5))
    expect(store.apply('ks', 'b', entry(4))).toBe(false)
    expect(store.apply('ks', 'b', entry(6))).toBe(true)
  })

  it('refuses an expired entry and one larger than the budget, and evicts to stay within it', () => {
    const { store, clock } = setup()
    store.configure('ks', { maxBytes: cost(1, 10) * 2 })
    expect(store.restoreEntry('ks', 'x', entry(1, { expiresAt: clock.t }))).toBe(false)
    expect(store.restoreEntry('ks', 'y', entry(1, { bytes: 10_000 }))).toBe(false)
    for (const key of ['a', 'b', 'c']) expect(store.restoreEntry('ks', key, entry(1, { bytes: 10 }))).toBe(true)
    expect([...store.entries('ks')].map(([, key]) => key).sort()).toEqual(['b', 'c'])
  })
})
