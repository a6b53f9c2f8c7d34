import { describe, expect, it } from 'vitest'
import { cost, entry, setup } from './helpers.js'

describe('entries()', () => {
  it('yields live entries of every keyspace or of one', () => {
    const { store } = setup()
    store.apply('a', 'k1', entry(1))
    store.apply('a', 'k2', entry(2))
    store.apply('b', 'k1', entry(3))
    const all = [...store.entries()].map(([ks, k, e]) => `${ks}/${k}@${e.version}`).sort()
    expect(all).toEqual(['a/k1@1', 'a/k2@2', 'b/k1@3'])
    expect([...store.entries('b')].map(([ks, k]) => `${ks}/${k}`)).toEqual(['b/k1'])
    expect([...store.entries('none')]).toEqual([])
  })

  it('skips expired entries, also ones expiring mid-iteration', () => {
    const { store, clock } = setup()
    store.apply('ks', 'old', entry(1, { expiresAt: clock.t + 10 }))
    store.apply('ks', 'b', entry(1, { expiresAt: clock.t + 20 }))
    store.apply('ks', 'a', entry(1))
    clock.advance(10)
    const seen: string[] = []
    for (const [, key] of store.entries('ks')) {
      seen.push(key)
      clock.advance(10) // b dies while the consumer is busy with a
    }
    expect(seen).toEqual(['a'])
  })

  it('allows drop() while iterating', () => {
    const { store } = setup()
    for (let i = 0; i < 10; i++) store.apply('ks', `k${i}`, entry(1))
    let n = 0
    for (const [ks, key] of store.entries()) {
      store.drop(ks, key)
      store.drop(ks, `k${9 - Number(key.slice(1))}`)
      n++
    }
    expect(n).toBe(5)
    expect(store.stats().keys).toBe(0)
  })

  it('stops yielding a keyspace dropped mid-iteration', () => {
    const { store } = setup()
    store.apply('ks', 'k1', entry(1))
    store.apply('ks', 'k2', entry(1))
    const it = store.entries('ks')
    expect(it.next().done).toBe(false)
    store.dropKeyspace('ks')
    expect(it.next().done).toBe(true)
  })

  it('does not change LRU order', () => {
    const { store } = setup()
    const E = cost(2, 100)
    store.configure('ks', { maxBytes: 2 * E })
    store.apply('ks', 'k1', entry(1, { bytes: 100 }))
    store.apply('ks', 'k2', entry(1, { bytes: 100 }))
    expect([...store.entries('ks')].map(([, k]) => k)).toEqual(['k2', 'k1']) // most recent first
    store.apply('ks', 'k3', entry(1, { bytes: 100 }))
    expect(store.peek('ks', 'k1')).toBeUndefined()
    expect(store.peek('ks', 'k2')).toBeDefined()
  })
})
