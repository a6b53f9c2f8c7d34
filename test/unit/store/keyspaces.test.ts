import { describe, expect, it } from 'vitest'
import { cost, entry, setup } from './helpers.js'

const E = cost(2, 100)

describe('keyspaces', () => {
  it('keeps the same key apart in different keyspaces', () => {
    const { store } = setup()
    store.apply('a', 'k', entry(1, { fill: 1 }))
    store.apply('b', 'k', entry(1, { fill: 2 }))
    expect(store.get('a', 'k')?.value[0]).toBe(1)
    expect(store.get('b', 'k')?.value[0]).toBe(2)
    store.remove('a', 'k', 2n)
    expect(store.get('b', 'k')).toBeDefined()
    expect(store.get('c', 'k')).toBeUndefined()
  })

  it('gives each keyspace its own budget', () => {
    const { store } = setup()
    store.configure('small', { maxBytes: 1 * E })
    store.configure('big', { maxBytes: 10 * E })
    store.apply('big', 'k1', entry(1, { bytes: 100 }))
    store.apply('small', 'k1', entry(1, { bytes: 100 }))
    store.apply('small', 'k2', entry(1, { bytes: 100 }))
    expect(store.peek('big', 'k1')).toBeDefined()
    expect(store.peek('small', 'k1')).toBeUndefined()
    const s = store.stats()
    expect(s.keyspaces.small).toEqual({ keys: 1, bytes: E, maxBytes: E, evictions: 1 })
    expect(s.keyspaces.big).toEqual({ keys: 1, bytes: E, maxBytes: 10 * E, evictions: 0 })
    expect(s).toMatchObject({ keys: 2, bytes: 2 * E, evictions: 1 })
  })

  it('lists keyspaces with live entries or a configured budget', () => {
    const { store, clock } = setup()
    store.configure('configured', { maxBytes: E })
    store.apply('filled', 'k', entry(1))
    store.apply('emptied', 'k', entry(1))
    store.drop('emptied', 'k')
    store.apply('expired', 'k', entry(1, { expiresAt: clock.t + 10 }))
    store.remove('tombstoned', 'k', 1n)
    expect(store.keyspaces().sort()).toEqual(['configured', 'expired', 'filled'])
    clock.advance(10)
    expect(store.keyspaces().sort()).toEqual(['configured', 'filled'])
  })

  it('dropKeyspace empties it and forgets its budget and tombstones, nothing else', () => {
    const { store } = setup({ defaultMaxBytes: 100 * E })
    store.configure('ks', { maxBytes: E })
    store.apply('ks', 'k1', entry(1))
    store.remove('ks', 'gone', 5n)
    store.remove('other', 'gone', 5n)
    store.dropKeyspace('ks')
    expect(store.get('ks', 'k1')).toBeUndefined()
    expect(store.keyspaces()).toEqual([])
    expect(store.apply('ks', 'gone', entry(1))).toBe(true)
    expect(store.apply('other', 'gone', entry(1))).toBe(false)
    expect(store.stats().keyspaces.ks.maxBytes).toBe(100 * E)
  })

  it('clear removes entries and tombstones, resets evictions, keeps budgets', () => {
    const { store } = setup()
    store.configure('ks', { maxBytes: E })
    store.apply('ks', 'k1', entry(1, { bytes: 100 }))
    store.apply('ks', 'k2', entry(1, { bytes: 100 }))
    store.apply('plain', 'k', entry(1))
    store.remove('ks', 'k2', 9n)
    store.clear()
    expect(store.stats()).toEqual({ keys: 0, bytes: 0, evictions: 0, keyspaces: { ks: { keys: 0, bytes: 0, maxBytes: E, evictions: 0 } } })
    expect(store.keyspaces()).toEqual(['ks'])
    expect(store.apply('ks', 'k2', entry(1, { bytes: 100 }))).toBe(true)
  })

  it('treats a keyspace named __proto__ as a plain name in stats', () => {
    const { store } = setup()
    store.apply('__proto__', 'k', entry(1))
    const s = store.stats()
    expect(Object.hasOwn(s.keyspaces, '__proto__')).toBe(true)
    expect(s.keyspaces.__proto__.keys).toBe(1)
    expect(Object.getPrototypeOf(s.keyspaces)).toBe(Object.prototype)
  })
})
