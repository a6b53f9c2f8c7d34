import { describe, expect, it } from 'vitest'
import { allocBytes, compacted } from '../../../src/util/pool.js'

describe('allocBytes', () => {
  it('hands out zeroed, non-overlapping views of the asked length', () => {
    const views = Array.from({ length: 500 }, (_, i) => allocBytes(1 + (i % 90)))
    views.forEach((v, i) => {
      expect(v.byteLength).toBe(1 + (i % 90))
      expect(v.every(b => b === 0)).toBe(true)
      v.fill(i % 251 + 1)
    })
    // Filling each one changed no other.
    views.forEach((v, i) => expect(v.every(b => b === i % 251 + 1)).toBe(true))
  })

  it('gives a large array a buffer of its own', () => {
    const big = allocBytes(100_000)
    expect(big.byteOffset).toBe(0)
    expect(big.buffer.byteLength).toBe(100_000)
  })
})

describe('compacted', () => {
  it('copies a small view into a large buffer, and leaves pooled or whole arrays as they are', () => {
    const frame = new Uint8Array(200_000).fill(3)
    const view = frame.subarray(1000, 1100)
    const own = compacted(view)
    expect(own).not.toBe(view)
    expect(own.buffer).not.toBe(frame.buffer)
    expect([...own]).toEqual([...view])
    const pooled = allocBytes(100)
    expect(compacted(pooled)).toBe(pooled)
    const whole = new Uint8Array(300_000)
    expect(compacted(whole)).toBe(whole)
  })
})
