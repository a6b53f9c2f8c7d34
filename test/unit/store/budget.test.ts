import { describe, expect, it } from 'vitest'
import { Store, entrySize } from '../../../src/store/index.js'
import { cost, entry, setup } from './helpers.js'

const E = cost(2, 100) // every key below is two characters long
const fill = (store: Store, ks: string, keys: string[]): void => {
  for (const k of keys) expect(store.apply(ks, k, entry(1, { bytes: 100 }))).toBe(true)
}
const present = (store: Store, ks: string, keys: string[]): string[] => keys.filter(k => store.peek(ks, k) !== undefined)

describe('byte budget', () => {
  it('charges value bytes + 2 bytes per UTF-16 unit of the key + 64', () => {
    const { store } = setup()
    store.apply('ks', 'abc', entry(1, { bytes: 10 }))
    store.apply('ks', 'é', entry(1, { bytes: 0 }))
    store.apply('ks', '😀', entry(1, { bytes: 1 }))
    expect(store.stats().bytes).toBe((10 + 6 + 64) + (0 + 2 + 64) + (1 + 4 + 64))
    expect(entrySize('😀', entry(1, { bytes: 1 }))).toBe(69)
  })

  it('evicts the least recently used entry; get counts as a use', () => {
    const { store } = setup()
    store.configure('ks', { maxBytes: 3 * E })
    fill(store, 'ks', ['k1', 'k2', 'k3'])
    store.get('ks', 'k1')
    fill(store, 'ks', ['k4'])
    expect(present(store, 'ks', ['k1', 'k2', 'k3', 'k4'])).toEqual(['k1', 'k3', 'k4'])
    expect(store.stats().evictions).toBe(1)
  })

  it('does not count peek as a use', () => {
    const { store } = setup()
    store.configure('ks', { maxBytes: 3 * E })
    fill(store, 'ks', ['k1', 'k2', 'k3'])
    store.peek('ks', 'k1')
    fill(store, 'ks', ['k4'])
    expect(present(store, 'ks', ['k1', 'k2', 'k3', 'k4'])).toEqual(['k2', 'k3', 'k4'])
  })

  it('evicts as many entries as a large write needs', () => {
    const { store } = setup()
    store.configure('ks', { maxBytes: 3 * E })
    fill(store, 'ks', ['k1', 'k2', 'k3'])
    expect(store.apply('ks', 'k4', entry(1, { bytes: 100 + 2 * E }))).toBe(true)
    expect(present(store, 'ks', ['k1', 'k2', 'k3', 'k4'])).toEqual(['k4'])
    expect(store.stats()).toMatchObject({ keys: 1, bytes: 3 * E, evictions: 3 })
  })

  it('refuses an entry larger than the whole budget and keeps the rest', () => {
    const { store } = setup()
    store.configure('ks', { maxBytes: 3 * E })
    fill(store, 'ks', ['k1'])
    expect(store.apply('ks', 'k2', entry(1, { bytes: 100 + 2 * E + 1 }))).toBe(false)
    expect(present(store, 'ks', ['k1', 'k2'])).toEqual(['k1'])
    expect(store.stats().evictions).toBe(0)
  })

  it('evicts least recently used entries at once when the budget shrinks', () => {
    const { store } = setup()
    store.configure('ks', { maxBytes: 4 * E })
    fill(store, 'ks', ['k1', 'k2', 'k3', 'k4'])
    store.get('ks', 'k1')
    store.configure('ks', { maxBytes: 2 * E })
    expect(present(store, 'ks', ['k1', 'k2', 'k3', 'k4'])).toEqual(['k1', 'k4'])
    expect(store.stats().keyspaces.ks).toEqual({ keys: 2, bytes: 2 * E, maxBytes: 2 * E, evictions: 2 })
    // order survives the resize: k4 is now the oldest
    fill(store, 'ks', ['k5'])
    expect(present(store, 'ks', ['k1', 'k4', 'k5'])).toEqual(['k1', 'k5'])
  })

  it('keeps everything when the budget grows, then holds more', () => {
    const { store } = setup()
    store.configure('ks', { maxBytes: 2 * E })
    fill(store, 'ks', ['k1', 'k2'])
    store.configure('ks', { maxBytes: 4 * E })
    fill(store, 'ks', ['k3', 'k4'])
    expect(present(store, 'ks', ['k1', 'k2', 'k3', 'k4'])).toHaveLength(4)
    expect(store.stats().evictions).toBe(0)
  })

  it('counts neither deletes, drops, overwrites nor expiry as evictions', () => {
    const { store, clock } = setup()
    store.configure('ks', { maxBytes: 3 * E })
    fill(store, 'ks', ['k1', 'k2'])
    store.apply('ks', 'k1', entry(2, { bytes: 100 }))
    store.remove('ks', 'k1', 3n)
    store.drop('ks', 'k2')
    store.apply('ks', 'k3', entry(1, { bytes: 100, expiresAt: clock.t + 1 }))
    clock.advance(1)
    expect(store.get('ks', 'k3')).toBeUndefined()
    expect(store.stats()).toMatchObject({ keys: 0, bytes: 0, evictions: 0 })
  })

  it('gives unconfigured keyspaces defaultMaxBytes', () => {
    const { store } = setup({ defaultMaxBytes: 2 * E })
    fill(store, 'ks', ['k1', 'k2', 'k3'])
    expect(present(store, 'ks', ['k1', 'k2', 'k3'])).toEqual(['k2', 'k3'])
    expect(store.stats().keyspaces.ks.maxBytes).toBe(2 * E)
  })

  it('rejects a budget that is not a positive integer', () => {
    const { store } = setup()
    expect(() => store.configure('ks', { maxBytes: 0 })).toThrow(RangeError)
    expect(() => store.configure('ks', { maxBytes: 1.5 })).toThrow(RangeError)
    expect(() => new Store({ defaultMaxBytes: -1 })).toThrow(RangeError)
  })
})
