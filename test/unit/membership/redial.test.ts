import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { Membership } from '../../../src/membership/membership.js'
import { FakeGossipBus, turns } from '../fakes.js'
import { HEARTBEAT_MS, MESH, MISSED, START, advance, beat, useFakeClock } from './helpers.js'
import type { Event, Setup } from './helpers.js'
import type { MembershipInit } from '../../../src/membership/membership.js'

useFakeClock()

describe('Membership: re-dialling dead members', () => {
  /** A membership whose redial component records each dial's time and answers `answer`. */
  function withRedial (init: Partial<MembershipInit> = {}, slowDial?: () => Promise<boolean>): Setup & { dials: Array<{ peerId: string, at: number, addrs: string[] }>, answer: { value: boolean } } {
    const dials: Array<{ peerId: string, at: number, addrs: string[] }> = []
    const answer = { value: false }
    const bus = new FakeGossipBus()
    const events: Event[] = []
    const probes: string[] = []
    const probeResult: Setup['probeResult'] = { value: false }
    const membership = new Membership({
      gossip: bus.peer('A'),
      logger: defaultLogger(),
      probe: async peerId => { probes.push(peerId); return probeResult.value as boolean },
      redial: async member => {
        dials.push({ peerId: member.peerId, at: Date.now() - START, addrs: member.addrs })
        return slowDial != null ? slowDial() : answer.value
      }
    }, {
      mesh: MESH,
      self: { peerId: 'A', role: 'owner', weight: 1, incarnation: 1000 },
      heartbeatMs: HEARTBEAT_MS,
      missedHeartbeats: MISSED,
      addrs: () => [],
      load: () => 0,
      onJoin: m => { events.push({ type: 'join', peerId: m.peerId, incarnation: m.incarnation }) },
      onLeave: (m, reason) => { events.push({ type: 'leave', peerId: m.peerId, incarnation: m.incarnation, reason }) },
      ...init
    })
    membership.start()
    return { bus, membership, events, probes, probeResult, dials, answer }
  }

  async function killB (s: Setup): Promise<void> {
    await beat(s.bus, 'B')
    s.membership.connectionClosed('B')
    await turns()
    expect(s.membership.has('B')).toBe(false)
  }

  it('dials a dead member at its last addresses, backing off, until it beats again', async () => {
    const s = withRedial()
    await killB(s)
    expect(s.membership.redialing()).toEqual(['B'])
    await advance(40 * HEARTBEAT_MS)
    const gaps = s.dials.map((d, i) => i === 0 ? d.at : d.at - s.dials[i - 1].at)
    // One heartbeat, then doubling up to 30 heartbeats.
    expect(gaps.slice(0, 5)).toEqual([1, 2, 4, 8, 16].map(n => n * HEARTBEAT_MS))
    expect(s.dials.every(d => d.peerId === 'B' && d.addrs[0] === '/dns4/B/tcp/1')).toBe(true)
    // The partition heals: B's heartbeats bring it back, and the dialling stops.
    await beat(s.bus, 'B')
    expect(s.membership.has('B')).toBe(true)
    expect(s.membership.redialing()).toEqual([])
    const count = s.dials.length
    s.probeResult.value = true // alive from now on, beating or not
    await advance(100 * HEARTBEAT_MS)
    expect(s.dials).toHaveLength(count)
    expect(s.events.map(e => e.type)).toEqual(['join', 'leave', 'join'])
  })

  it('a member declared dead here is not brought back on another peer\'s word, only on its own', async () => {
    const s = withRedial()
    await killB(s)
    const b = { peerId: 'B', role: 'owner' as const, weight: 1, incarnation: 1, addrs: ['/dns4/B/tcp/1'] }
    // A view swapped by a peer that had not seen B die yet.
    expect(s.membership.upsert(b, true)).toBe(false)
    expect(s.membership.has('B')).toBe(false)
    expect(s.membership.lostMembers()).toEqual([{ peerId: 'B', incarnation: 1 }])
    // A restarted B, named by another, is a new member.
    expect(s.membership.upsert({ ...b, incarnation: 2 }, true)).toBe(true)
    await killB(s)
    // B's own heartbeat does bring it back.
    await beat(s.bus, 'B', { incarnation: 2n })
    expect(s.membership.has('B')).toBe(true)
  })

  it('probes a member that another peer reports dead at the incarnation it has, unless just heard from', async () => {
    const s = withRedial()
    await beat(s.bus, 'B')
    await beat(s.bus, 'C')
    await advance(2 * HEARTBEAT_MS)
    await beat(s.bus, 'C') // heard from just now
    s.membership.reportedDead([{ peerId: 'B', incarnation: 1n }, { peerId: 'C', incarnation: 1n }, { peerId: 'D', incarnation: 1n }, { peerId: 'B', incarnation: 9n }], 'X')
    await turns()
    expect(s.probes).toEqual(['B'])
    expect(s.membership.has('B')).toBe(false) // the probe failed
    expect(s.membership.has('C')).toBe(true)
  })

  it('caps the wait between dials at 30 heartbeats and gives up after redialForMs', async () => {
    const s = withRedial({ redialForMs: 200 * HEARTBEAT_MS })
    await killB(s)
    await advance(250 * HEARTBEAT_MS)
    const gaps = s.dials.slice(1).map((d, i) => d.at - s.dials[i].at)
    expect(Math.max(...gaps)).toBe(30 * HEARTBEAT_MS)
    expect(s.dials.at(-1)!.at).toBeLessThan(200 * HEARTBEAT_MS + 1_000)
    expect(s.membership.redialing()).toEqual([])
  })

  it('one dial at a time: a slow dial is not started again', async () => {
    let pending = 0
    let most = 0
    // Each dial hangs for 10 heartbeats (a partition that swallows packets).
    const s = withRedial({}, async () => {
      most = Math.max(most, ++pending)
      await new Promise(resolve => setTimeout(resolve, 10 * HEARTBEAT_MS))
      pending--
      return false
    })
    await killB(s)
    await advance(30 * HEARTBEAT_MS)
    expect(most).toBe(1)
    // The doubled wait counts from the end of the slow dial: 1, 1+10+2, 13+10+4 heartbeats.
    expect(s.dials.map(d => d.at)).toEqual([1, 13, 27].map(n => n * HEARTBEAT_MS))
  })

  it('a member that said goodbye is not dialled, nor one that restarted', async () => {
    const s = withRedial()
    s.probeResult.value = true // C stays alive while silent
    await beat(s.bus, 'B')
    await beat(s.bus, 'B', { leaving: true })
    await beat(s.bus, 'C', { incarnation: 1n })
    await beat(s.bus, 'C', { incarnation: 2n })
    await advance(10 * HEARTBEAT_MS)
    expect(s.membership.has('C')).toBe(true)
    expect(s.dials).toEqual([])
  })

  it('a goodbye heard while re-dialling stops it', async () => {
    const s = withRedial()
    await killB(s)
    await beat(s.bus, 'B', { leaving: true })
    expect(s.membership.redialing()).toEqual([])
    await advance(10 * HEARTBEAT_MS)
    expect(s.dials).toEqual([])
  })

  it('onJoin says whether the member had been declared dead', async () => {
    const joins: boolean[] = []
    const s = withRedial({ onJoin: (_m, rejoined) => { joins.push(rejoined) } })
    await killB(s)
    await beat(s.bus, 'B')
    await beat(s.bus, 'C')
    expect(joins).toEqual([false, true, false])
  })

  it('stop() forgets the dead', async () => {
    const s = withRedial()
    await killB(s)
    await s.membership.stop()
    expect(s.membership.redialing()).toEqual([])
  })
})
