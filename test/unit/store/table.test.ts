import { describe, expect, it } from 'vitest'
import { NONE, Table } from '../../../src/store/table.js'

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)

/** A seeded PRNG, so a failing sequence can be replayed. */
function prng (seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

describe('Table', () => {
  it('agrees with a Map over random puts and deletes, through growth, reindexing and compaction', () => {
    const table = new Table()
    const model = new Map<string, { fill: number, length: number }>()
    const random = prng(42)
    for (let i = 0; i < 40_000; i++) {
      // Few distinct keys, many rewrites of different sizes: holes pile up and force rewrites of the slab.
      const key = `k${Math.floor(random() * 3000)}${random() < 0.1 ? 'é😀' : ''}`
      const slot = table.find(key)
      expect(slot !== NONE).toBe(model.has(key))
      if (random() < 0.3 && slot !== NONE) {
        table.delete(slot)
        model.delete(key)
      } else {
        const length = Math.floor(random() * 300)
        table.put(key, slot, bytes(length, i & 0xff), 0, i, 0)
        model.set(key, { fill: i & 0xff, length })
      }
    }
    expect(table.size).toBe(model.size)
    for (const [key, { fill, length }] of model) {
      const slot = table.find(key)
      expect(table.key(slot)).toBe(key)
      expect(table.view(slot)).toEqual(bytes(length, fill))
    }
    expect(table.snapshot().map(([slot]) => table.key(slot)).sort()).toEqual([...model.keys()].sort())
  })

  it('keeps values over a quarter of a chunk in chunks of their own, and frees them', () => {
    const table = new Table()
    const big = bytes(600_000, 9)
    const slot = table.put('big', NONE, big, 0, 1, 0)
    table.put('small', NONE, bytes(10, 1), 0, 1, 0)
    expect(table.view(slot)).toEqual(big)
    table.delete(slot)
    expect(table.find('big')).toBe(NONE)
    expect(table.view(table.find('small'))).toEqual(bytes(10, 1))
  })

  it('orders slots from most to least recently used; use() moves one to the front', () => {
    const table = new Table()
    const a = table.put('a', NONE, bytes(1, 1), 0, 1, 0)
    const b = table.put('b', NONE, bytes(1, 2), 0, 1, 0)
    expect(table.oldest).toBe(a)
    table.use(a)
    expect(table.snapshot().map(([slot]) => slot)).toEqual([a, b])
    expect(table.oldest).toBe(b)
  })

  it('changes a slot\'s generation on every rewrite, delete and clear, also when the slot is reused', () => {
    const table = new Table()
    const slot = table.put('a', NONE, bytes(1, 1), 0, 1, 0)
    const first = table.generation(slot)
    table.put('a', slot, bytes(1, 2), 0, 2, 0)
    expect(table.current(slot, first)).toBe(false)
    const second = table.generation(slot)
    table.delete(slot)
    const reused = table.put('b', NONE, bytes(1, 3), 0, 1, 0)
    expect(reused).toBe(slot)
    expect(table.current(slot, second)).toBe(false)
    const third = table.generation(slot)
    table.clear()
    expect(table.current(slot, third)).toBe(false)
    expect(table.size).toBe(0)
    expect(table.bytes).toBe(0)
  })

  it('compares and returns 64-bit versions by their halves', () => {
    const table = new Table()
    const slot = table.put('a', NONE, bytes(1, 1), 0xffff_fffe, 0xffff_ffff, 0)
    expect(table.version(slot)).toBe(0xffff_fffe_ffff_ffffn)
    expect(table.compareVersion(slot, 0xffff_ffff, 0)).toBeLessThan(0)
    expect(table.compareVersion(slot, 0xffff_fffe, 0xffff_ffff)).toBe(0)
    expect(table.compareVersion(slot, 0xffff_fffe, 1)).toBeGreaterThan(0)
  })
})
