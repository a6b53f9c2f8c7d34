import { describe, expect, it } from 'vitest'
import { turns } from '../fakes.js'
import { HEARTBEAT_MS, MISSED, START, advance, beat, setup, useFakeClock } from './helpers.js'

useFakeClock()

describe('Membership', () => {
  it('a goodbye heard after the member was declared dead still keeps that incarnation out', async () => {
    const { bus, membership, events, probeResult } = setup()
    // The silent peer is really gone: probes of it fail.
    probeResult.value = false
    await beat(bus, 'B', { incarnation: 5n })
    await advance((MISSED + 1) * HEARTBEAT_MS)
    expect(membership.has('B')).toBe(false)
    await beat(bus, 'B', { incarnation: 5n, leaving: true })
    await beat(bus, 'B', { incarnation: 5n })
    expect(membership.has('B')).toBe(false)
    expect(events.map(e => e.type)).toEqual(['join', 'leave'])
  })

  it('a member silent for missedHeartbeats heartbeats is dead', async () => {
    const { bus, membership, events, probeResult } = setup()
    // The silent peer is really gone: probes of it fail.
    probeResult.value = false
    await beat(bus, 'B')
    await advance((MISSED - 1) * HEARTBEAT_MS)
    expect(membership.has('B')).toBe(true)
    await advance(2 * HEARTBEAT_MS)
    expect(membership.has('B')).toBe(false)
    expect(events.at(-1)).toEqual({ type: 'leave', peerId: 'B', incarnation: 1, reason: 'dead' })
    expect(events.filter(e => e.type === 'leave')).toHaveLength(1)
  })

  it('a member that keeps beating stays, and a dead one rejoins when it beats again', async () => {
    const { bus, membership, events, probeResult } = setup()
    // The silent peer is really gone: probes of it fail.
    probeResult.value = false
    await beat(bus, 'B')
    for (let i = 0; i < 10; i++) {
      await advance(HEARTBEAT_MS)
      await beat(bus, 'B')
    }
    expect(membership.has('B')).toBe(true)
    expect(events).toHaveLength(1)
    await advance((MISSED + 1) * HEARTBEAT_MS)
    expect(membership.has('B')).toBe(false)
    // Not a goodbye: a heartbeat of the same incarnation brings it back.
    await beat(bus, 'B')
    expect(membership.has('B')).toBe(true)
    expect(events.map(e => e.type)).toEqual(['join', 'leave', 'join'])
  })

  it('a silent member that still answers a probe stays', async () => {
    const { bus, membership, events, probes } = setup()
    await beat(bus, 'B')
    await advance((MISSED + 1) * HEARTBEAT_MS)
    expect(membership.has('B')).toBe(true)
    expect(probes.filter(p => p === 'B').length).toBeGreaterThanOrEqual(1)
    expect(events.map(e => e.type)).toEqual(['join'])
  })

  it('touch() keeps a member alive without heartbeats', async () => {
    const { bus, membership, probeResult } = setup()
    // The silent peer is really gone: probes of it fail.
    probeResult.value = false
    await beat(bus, 'B')
    for (let i = 0; i < 10; i++) {
      await advance(HEARTBEAT_MS)
      membership.touch('B')
    }
    expect(membership.has('B')).toBe(true)
    expect(membership.get('B')?.lastSeen).toBe(START + 10 * HEARTBEAT_MS)
    membership.touch('nobody') // unknown peers are not added
    expect(membership.has('nobody')).toBe(false)
    await advance((MISSED + 1) * HEARTBEAT_MS)
    expect(membership.has('B')).toBe(false)
  })

  it('connectionClosed: a failing probe makes the member dead at once', async () => {
    const { bus, membership, events, probes, probeResult } = setup()
    await beat(bus, 'B')
    probeResult.value = false
    membership.connectionClosed('B')
    await turns()
    expect(probes).toEqual(['B'])
    expect(membership.has('B')).toBe(false)
    expect(events.at(-1)).toMatchObject({ type: 'leave', peerId: 'B', reason: 'dead' })
  })

  it('connectionClosed: a probe that throws counts as failing', async () => {
    const { bus, membership, probeResult } = setup()
    await beat(bus, 'B')
    probeResult.value = new Error('dial failed')
    membership.connectionClosed('B')
    await turns()
    expect(membership.has('B')).toBe(false)
  })

  it('connectionClosed: a succeeding probe keeps the member', async () => {
    const { bus, membership, events, probes } = setup()
    await beat(bus, 'B')
    membership.connectionClosed('B')
    await turns()
    expect(probes).toEqual(['B'])
    expect(membership.has('B')).toBe(true)
    expect(events).toHaveLength(1)
  })

  it('connectionClosed: peers outside the view are not probed', async () => {
    const { membership, probes } = setup()
    membership.connectionClosed('stranger')
    await turns()
    expect(probes).toEqual([])
  })
})
