import { describe, expect, it } from 'vitest'
import { HybridClock, stampCounter, stampMillis } from '../../../src/hlc.js'

function clockAt (...times: number[]): { clock: HybridClock, set: (t: number) => void } {
  let t = times[0] ?? 0
  return { clock: new HybridClock(() => t), set: (next: number) => { t = next } }
}

describe('HybridClock', () => {
  it('follows the physical clock when it moves forward', () => {
    const { clock, set } = clockAt(1000)
    const a = clock.tick()
    expect(stampMillis(a)).toBe(1000)
    expect(stampCounter(a)).toBe(0)
    set(2000)
    const b = clock.tick()
    expect(stampMillis(b)).toBe(2000)
    expect(stampCounter(b)).toBe(0)
    expect(b > a).toBe(true)
  })

  it('stays strictly increasing while the physical clock stands still', () => {
    const { clock } = clockAt(5000)
    let last = clock.tick()
    for (let i = 1; i <= 100; i++) {
      const next = clock.tick()
      expect(next > last).toBe(true)
      expect(stampMillis(next)).toBe(5000)
      expect(stampCounter(next)).toBe(i)
      last = next
    }
  })

  it('stays strictly increasing when the physical clock goes backwards', () => {
    const { clock, set } = clockAt(10_000)
    const before = clock.tick()
    set(9_000)
    const a = clock.tick()
    set(1)
    const b = clock.tick()
    expect(a > before).toBe(true)
    expect(b > a).toBe(true)
    expect(stampMillis(b)).toBe(10_000) // holds the highest time seen
    set(10_001)
    const c = clock.tick()
    expect(c > b).toBe(true)
    expect(stampMillis(c)).toBe(10_001)
    expect(stampCounter(c)).toBe(0)
  })

  it('orders stamps after an observed stamp from the future', () => {
    const { clock } = clockAt(1000)
    const mine = clock.tick()
    const remote = (5000n << 16n) | 7n
    clock.observe(remote)
    const next = clock.tick()
    expect(next > remote).toBe(true)
    expect(next > mine).toBe(true)
    expect(stampMillis(next)).toBe(5000)
    expect(stampCounter(next)).toBe(8)
  })

  it('ignores an observed stamp older than its own', () => {
    const { clock, set } = clockAt(1000)
    clock.tick()
    set(2000)
    clock.observe(1500n << 16n)
    const next = clock.tick()
    expect(stampMillis(next)).toBe(2000)
    expect(stampCounter(next)).toBe(0)
  })

  it('stamps of two clocks exchanging observations never go backwards', () => {
    let tA = 100
    let tB = 50
    const a = new HybridClock(() => tA)
    const b = new HybridClock(() => tB)
    let last = 0n
    for (let i = 0; i < 50; i++) {
      const sa = a.tick()
      b.observe(sa)
      const sb = b.tick()
      expect(sb > sa).toBe(true)
      a.observe(sb)
      expect(sa > last).toBe(true)
      last = sb
      tA += i % 3 === 0 ? -7 : 2
      tB += 1
    }
  })

  it('uses Date.now by default', () => {
    const before = Date.now()
    const stamp = new HybridClock().tick()
    const after = Date.now()
    expect(stampMillis(stamp)).toBeGreaterThanOrEqual(before)
    expect(stampMillis(stamp)).toBeLessThanOrEqual(after)
  })
})

describe('stamp fields', () => {
  it('splits a stamp into milliseconds and a 16-bit counter', () => {
    const stamp = (1_700_000_000_123n << 16n) | 0xbeefn
    expect(stampMillis(stamp)).toBe(1_700_000_000_123)
    expect(stampCounter(stamp)).toBe(0xbeef)
    expect(stampCounter(0xffffn)).toBe(65535)
    expect(stampMillis(0xffffn)).toBe(0)
    expect(stampMillis(0x10000n)).toBe(1)
    expect(stampCounter(0x10000n)).toBe(0)
  })
})
