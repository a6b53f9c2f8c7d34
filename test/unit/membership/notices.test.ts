import { describe, expect, it, vi } from 'vitest'
import { HEARTBEAT_MS, advance, beat, fromA, setup, useFakeClock } from './helpers.js'

useFakeClock()

describe('death notices', () => {
  it('a death this peer found goes out in a heartbeat soon', async () => {
    const { bus, membership, probeResult } = setup()
    await beat(bus, 'B', { incarnation: 7n })
    probeResult.value = false
    membership.connectionClosed('B')
    await advance(HEARTBEAT_MS)
    expect(membership.has('B')).toBe(false)
    expect(fromA(bus).flatMap(h => h.dead)).toEqual([{ peerId: 'B', incarnation: 7n }])
  })

  it('a notice is a reason to probe, never a verdict', async () => {
    const { bus, membership, probes, probeResult } = setup()
    await beat(bus, 'B', { incarnation: 7n })
    await advance(HEARTBEAT_MS * 2) // B is no longer fresh
    await beat(bus, 'C', { dead: [{ peerId: 'B', incarnation: 7n }] })
    expect(probes).toEqual(['B'])
    expect(membership.has('B')).toBe(true) // B answered

    probeResult.value = false
    await advance(HEARTBEAT_MS * 2)
    await beat(bus, 'C', { dead: [{ peerId: 'B', incarnation: 7n }] })
    await advance(0)
    expect(membership.has('B')).toBe(false)
    // Told by C: this peer does not tell it again.
    expect(fromA(bus).flatMap(h => h.dead)).toEqual([])
  })

  it('ignores a notice about another incarnation, or about a member heard from just now', async () => {
    const { bus, probes } = setup()
    await beat(bus, 'B', { incarnation: 7n })
    await beat(bus, 'C', { dead: [{ peerId: 'B', incarnation: 6n }] })
    await beat(bus, 'C', { dead: [{ peerId: 'B', incarnation: 7n }] })
    expect(probes).toEqual([])
  })

  it('a notice from another finder spares this one its own', async () => {
    const { bus, membership, probeResult } = setup()
    await beat(bus, 'B', { incarnation: 7n })
    await beat(bus, 'D')
    probeResult.value = false
    // The jitter at its longest (~500 ms): D's notice comes within it. With a
    // random one near 0, this peer's own notice could go out first.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99)
    try {
      membership.connectionClosed('B')
      await advance(0)
      expect(membership.has('B')).toBe(false)
      await beat(bus, 'D', { dead: [{ peerId: 'B', incarnation: 7n }] })
      await advance(HEARTBEAT_MS)
    } finally {
      random.mockRestore()
    }
    expect(fromA(bus).flatMap(h => h.dead)).toEqual([])
  })
})
