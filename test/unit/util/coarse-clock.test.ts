import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { coarseClock } from '../../../src/util/coarse-clock.js'

describe('coarseClock', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }) })
  afterEach(() => { vi.useRealTimers() })

  it('returns any clock but Date.now as it is', () => {
    const mine = (): number => 7
    expect(coarseClock(mine)).toBe(mine)
  })

  it('reuses a reading until a millisecond passes on the timers', () => {
    vi.setSystemTime(1_000)
    const now = coarseClock(Date.now)
    expect(now()).toBe(1_000)
    vi.setSystemTime(1_005) // the wall clock moves, no timer has run yet
    expect(now()).toBe(1_000)
    vi.advanceTimersByTime(1)
    expect(now()).toBe(1_006)
  })

  it('reads the wall clock again after 1024 reads even when timers never run', () => {
    vi.setSystemTime(2_000)
    const now = coarseClock(Date.now)
    expect(now()).toBe(2_000)
    vi.setSystemTime(2_050)
    const seen = new Set<number>()
    for (let i = 0; i < 1024; i++) seen.add(now())
    expect(seen).toEqual(new Set([2_000, 2_050]))
    expect(now()).toBe(2_050)
  })
})
