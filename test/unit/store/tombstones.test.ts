import { describe, expect, it } from 'vitest'
import { entry, setup } from './helpers.js'

describe('tombstones', () => {
  it('stop a late, older write from bringing a deleted key back', () => {
    const { store } = setup()
    store.apply('ks', 'k', entry(1))
    expect(store.remove('ks', 'k', 2n)).toBe(true)
    expect(store.apply('ks', 'k', entry(1))).toBe(false)
    expect(store.apply('ks', 'k', entry(2))).toBe(false)
    expect(store.apply('ks', 'k', entry(3))).toBe(true)
  })

  it('are left by a delete that arrives before its write', () => {
    const { store } = setup()
    expect(store.remove('ks', 'k', 2n)).toBe(false)
    expect(store.apply('ks', 'k', entry(1))).toBe(false)
    expect(store.get('ks', 'k')).toBeUndefined()
  })

  it('never lower', () => {
    const { store } = setup()
    store.remove('ks', 'k', 5n)
    store.remove('ks', 'k', 3n)
    expect(store.apply('ks', 'k', entry(4))).toBe(false)
  })

  it('outlive a newer write that is later dropped', () => {
    const { store } = setup()
    store.remove('ks', 'k', 2n)
    store.apply('ks', 'k', entry(3))
    store.drop('ks', 'k')
    expect(store.apply('ks', 'k', entry(1))).toBe(false)
  })

  it('expire after tombstoneTtlMs, counted from the latest raise', () => {
    const { store, clock } = setup({ tombstoneTtlMs: 1000 })
    store.remove('ks', 'k', 5n)
    clock.advance(999)
    expect(store.apply('ks', 'k', entry(1))).toBe(false)
    clock.advance(1)
    expect(store.apply('ks', 'k', entry(1))).toBe(true)

    store.remove('ks', 'j', 5n)
    clock.advance(600)
    store.remove('ks', 'j', 6n)
    clock.advance(600)
    expect(store.apply('ks', 'j', entry(5))).toBe(false)
    clock.advance(400)
    expect(store.apply('ks', 'j', entry(5))).toBe(true)
  })

  it('are an LRU capped at maxTombstones', () => {
    const { store } = setup({ maxTombstones: 2 })
    store.remove('ks', 'k1', 5n)
    store.remove('ks', 'k2', 5n)
    store.remove('ks', 'k3', 5n)
    expect(store.apply('ks', 'k1', entry(1))).toBe(true)
    expect(store.apply('ks', 'k2', entry(1))).toBe(false)
    expect(store.apply('ks', 'k3', entry(1))).toBe(false)
  })

  it('are not left by drop, which is a handoff, not a delete', () => {
    const { store } = setup()
    store.apply('ks', 'k', entry(5))
    store.drop('ks', 'k')
    expect(store.get('ks', 'k')).toBeUndefined()
    expect(store.apply('ks', 'k', entry(3))).toBe(true)
  })

  it('do not collide across keyspace/key splits', () => {
    const { store } = setup()
    store.remove('a:', 'b', 5n)
    expect(store.apply('a', ':b', entry(1))).toBe(true)
    expect(store.apply('a:', 'b', entry(1))).toBe(false)
  })
})

describe('tombstones()', () => {
  it('lists the live tombstones with their keyspace, key and version, a keyspace name with a colon too', () => {
    const { store, clock } = setup({ tombstoneTtlMs: 1_000 })
    store.apply('a:b', 'k:1', entry(1))
    store.remove('a:b', 'k:1', 2n)
    store.apply('ks', 'old', entry(3))
    store.remove('ks', 'old', 4n)
    clock.advance(500)
    store.apply('ks', 'new', entry(5))
    store.remove('ks', 'new', 6n)
    expect([...store.tombstones()].map(([ks, k, t]) => `${ks}/${k}@${t.version}`).sort()).toEqual(['a:b/k:1@2', 'ks/new@6', 'ks/old@4'])
    clock.advance(500)
    expect([...store.tombstones()].map(([ks, k]) => `${ks}/${k}`)).toEqual(['ks/new'])
  })
})
