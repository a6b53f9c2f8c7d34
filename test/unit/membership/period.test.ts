import { describe, expect, it } from 'vitest'
import { heartbeatPeriod, MEMBERS_PER_PERIOD } from '../../../src/membership/period.js'
import { HEARTBEAT_MS, MISSED, advance, beat, fromA, setup, useFakeClock } from './helpers.js'

useFakeClock()

describe('heartbeat period', () => {
  it('is heartbeatMs up to MEMBERS_PER_PERIOD members, then grows with the view: the mesh beats at one rate', () => {
    expect(heartbeatPeriod(1000, 1)).toBe(1000)
    expect(heartbeatPeriod(1000, MEMBERS_PER_PERIOD)).toBe(1000)
    expect(heartbeatPeriod(1000, 4 * MEMBERS_PER_PERIOD)).toBe(4000)
    expect(heartbeatPeriod(1000, 100) / 100).toBeCloseTo(1000 / MEMBERS_PER_PERIOD)
  })

  it('a bigger view beats less often, and says so in its heartbeat', async () => {
    const { bus, membership } = setup()
    const members = 2 * MEMBERS_PER_PERIOD
    for (let i = 1; i < members; i++) await beat(bus, `P${i}`)
    expect(membership.period()).toBe(2 * HEARTBEAT_MS)
    await advance(HEARTBEAT_MS) // the newcomers' answer has gone out
    const before = fromA(bus).length
    await advance(4 * HEARTBEAT_MS)
    expect(fromA(bus).length - before).toBe(2)
  })

  it('a member is silent past missedHeartbeats of the period it announced, not of ours', async () => {
    const { bus, membership, probeResult } = setup()
    probeResult.value = false
    await beat(bus, 'B', { periodMs: 4 * HEARTBEAT_MS })
    await advance(MISSED * HEARTBEAT_MS + HEARTBEAT_MS)
    expect(membership.has('B')).toBe(true)
    await advance(MISSED * 4 * HEARTBEAT_MS)
    expect(membership.has('B')).toBe(false)
  })

  it('many newcomers within a moment share one answer', async () => {
    const { bus } = setup()
    await advance(HEARTBEAT_MS / 4)
    const before = fromA(bus).length
    for (const peer of ['B', 'C', 'D', 'E']) await beat(bus, peer)
    await advance(HEARTBEAT_MS / 2)
    expect(fromA(bus).length - before).toBe(1)
  })

  it('newcomers arriving over a period get one early heartbeat in all, not one each', async () => {
    const { bus, membership } = setup()
    for (let i = 1; i < 2 * MEMBERS_PER_PERIOD; i++) await beat(bus, `P${i}`)
    await advance(membership.period()) // the first newcomers' answer, and a regular beat
    const before = fromA(bus).length
    const period = membership.period()
    // A newcomer every heartbeatMs, over one period: no more early beats than one.
    for (let i = 0; i < period / HEARTBEAT_MS; i++) {
      await beat(bus, `N${i}`)
      await advance(HEARTBEAT_MS)
    }
    // The regular beat at the period's end, and at most one early one.
    expect(fromA(bus).length - before).toBeLessThanOrEqual(2)
    expect(fromA(bus).length - before).toBeGreaterThanOrEqual(1)
  })
})

describe('the period a heartbeat announces', () => {
  it('is none (0) until the join is done, then the period of the view', async () => {
    const { bus, membership } = setup()
    await beat(bus, 'B')
    await advance(HEARTBEAT_MS)
    expect(fromA(bus).every(h => h.periodMs === 0)).toBe(true)
    membership.joined()
    await advance(0)
    expect(fromA(bus).at(-1)?.periodMs).toBe(membership.period())
  })

  it('binds the next heartbeat even when the view grew since', async () => {
    const { bus, membership } = setup()
    membership.joined()
    await advance(0)
    const promised = fromA(bus).at(-1)!.periodMs
    for (let i = 0; i < 12; i++) await beat(bus, `P${i}`)
    expect(membership.period()).toBeGreaterThan(promised)
    const before = fromA(bus).length
    await advance(promised)
    // Beyond the early answer to the newcomers, the beat the last one promised.
    expect(fromA(bus).slice(before).some(h => h.periodMs === membership.period())).toBe(true)
  })
})
