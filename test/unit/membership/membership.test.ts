import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Heartbeat } from '../../../src/membership/heartbeat.js'
import { Membership } from '../../../src/membership/membership.js'
import { topicOf } from '../../../src/util/gossip.js'
import { FakeGossipBus, turns } from '../fakes.js'
import type { LeaveReason, Member } from '../../../src/membership/member.js'
import type { MembershipInit } from '../../../src/membership/membership.js'

const MESH = 'm'
const TOPIC = topicOf(MESH, 'members/1')
const HEARTBEAT_MS = 1000
const MISSED = 3
const START = 1_700_000_000_000

type Event = { type: 'join', peerId: string, incarnation: number } | { type: 'leave', peerId: string, incarnation: number, reason: LeaveReason }

interface Setup {
  bus: FakeGossipBus
  membership: Membership
  events: Event[]
  probes: string[]
  probeResult: { value: boolean | Error }
}

function setup (init: Partial<MembershipInit> = {}): Setup {
  const bus = new FakeGossipBus()
  const events: Event[] = []
  const probes: string[] = []
  const probeResult: Setup['probeResult'] = { value: true }
  const membership = new Membership({
    gossip: bus.peer('A'),
    probe: async peerId => {
      probes.push(peerId)
      if (probeResult.value instanceof Error) throw probeResult.value
      return probeResult.value
    }
  }, {
    mesh: MESH,
    self: { peerId: 'A', role: 'owner', weight: 2, incarnation: 1000 },
    heartbeatMs: HEARTBEAT_MS,
    missedHeartbeats: MISSED,
    addrs: () => ['/ip4/127.0.0.1/tcp/4001'],
    load: () => 17,
    onJoin: m => { events.push({ type: 'join', peerId: m.peerId, incarnation: m.incarnation }) },
    onLeave: (m, reason) => { events.push({ type: 'leave', peerId: m.peerId, incarnation: m.incarnation, reason }) },
    now: () => Date.now(),
    ...init
  })
  membership.start()
  return { bus, membership, events, probes, probeResult }
}

let beatCounter = 0

/** Publishes a heartbeat from `from` as another peer would. */
async function beat (bus: FakeGossipBus, from: string, fields: Partial<Heartbeat> = {}): Promise<void> {
  await bus.peer(from).publish(TOPIC, Heartbeat.encode({
    role: 'owner', weight: 1, incarnation: 1n, beat: BigInt(++beatCounter), addrs: [`/dns4/${from}/tcp/1`], leaving: false, keys: 0n, ...fields
  }))
  await turns(2)
}

async function advance (ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
  await turns(2)
}

const fromA = (bus: FakeGossipBus): Heartbeat[] => bus.on(TOPIC, 'A').map(m => Heartbeat.decode(m.data))

beforeEach(() => {
  vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('Membership', () => {
  it('announces itself at start and on every heartbeat', async () => {
    const { bus } = setup()
    await turns()
    expect(fromA(bus)).toHaveLength(1)
    const [first] = fromA(bus)
    expect(first).toMatchObject({ role: 'owner', weight: 2, incarnation: 1000n, addrs: ['/ip4/127.0.0.1/tcp/4001'], leaving: false, keys: 17n })
    await advance(3 * HEARTBEAT_MS)
    const beats = fromA(bus)
    expect(beats).toHaveLength(4)
    // Beat numbers differ so gossip never deduplicates two heartbeats.
    expect(new Set(beats.map(b => b.beat)).size).toBe(4)
  })

  it('a member joins on its first heartbeat, once, and is answered at once', async () => {
    const { bus, membership, events } = setup()
    await turns()
    const before = fromA(bus).length
    await beat(bus, 'B', { role: 'client', weight: 3, incarnation: 5n, addrs: ['/x'], keys: 12n })
    expect(events).toEqual([{ type: 'join', peerId: 'B', incarnation: 5 }])
    expect(fromA(bus).length).toBe(before + 1) // did not wait for the next tick
    await beat(bus, 'B', { role: 'client', weight: 3, incarnation: 5n, keys: 13n })
    await beat(bus, 'B', { role: 'client', weight: 3, incarnation: 5n, keys: 14n })
    expect(events).toHaveLength(1)
    expect(fromA(bus).length).toBe(before + 1) // known members are not answered
    const b = membership.get('B') as Member
    expect(b).toMatchObject({ peerId: 'B', role: 'client', weight: 3, incarnation: 5, keys: 14 })
    expect(b.lastSeen).toBe(START)
    expect(membership.has('B')).toBe(true)
    expect(membership.members().map(m => m.peerId)).toEqual(['B'])
  })

  it('a heartbeat without addresses keeps the last ones announced', async () => {
    const { bus, membership } = setup()
    await beat(bus, 'B', { addrs: ['/relay/p2p-circuit'] })
    await beat(bus, 'B', { addrs: [] })
    expect(membership.get('B')?.addrs).toEqual(['/relay/p2p-circuit'])
    await beat(bus, 'B', { addrs: ['/other/p2p-circuit'] })
    expect(membership.get('B')?.addrs).toEqual(['/other/p2p-circuit'])
  })

  it('two memberships on one bus find each other', async () => {
    const s = setup()
    const joinedB: string[] = []
    const b = new Membership({ gossip: s.bus.peer('B'), probe: async () => true }, {
      mesh: MESH,
      self: { peerId: 'B', role: 'client', weight: 1, incarnation: 7 },
      heartbeatMs: HEARTBEAT_MS,
      missedHeartbeats: MISSED,
      addrs: () => [],
      load: () => 0,
      onJoin: m => { joinedB.push(m.peerId) },
      onLeave: () => {},
      now: () => Date.now()
    })
    b.start()
    await turns()
    expect(s.events).toEqual([{ type: 'join', peerId: 'B', incarnation: 7 }])
    expect(joinedB).toEqual(['A'])
    await advance(10 * HEARTBEAT_MS)
    expect(s.membership.has('B')).toBe(true)
    expect(b.has('A')).toBe(true)
    await b.stop()
    expect(s.events.at(-1)).toEqual({ type: 'leave', peerId: 'B', incarnation: 7, reason: 'leave' })
  })

  it('a member leaves on its leaving heartbeat', async () => {
    const { bus, membership, events } = setup()
    await beat(bus, 'B', { incarnation: 5n })
    await beat(bus, 'B', { incarnation: 5n, leaving: true })
    expect(events).toEqual([
      { type: 'join', peerId: 'B', incarnation: 5 },
      { type: 'leave', peerId: 'B', incarnation: 5, reason: 'leave' }
    ])
    expect(membership.has('B')).toBe(false)
  })

  it('ignores a leaving heartbeat of another incarnation', async () => {
    const { bus, membership, events } = setup()
    await beat(bus, 'B', { incarnation: 5n })
    await beat(bus, 'B', { incarnation: 4n, leaving: true })
    await beat(bus, 'C', { incarnation: 1n, leaving: true }) // never a member
    expect(membership.has('B')).toBe(true)
    expect(events).toHaveLength(1)
  })

  it('a late heartbeat of a departed incarnation does not bring it back; a new incarnation joins', async () => {
    const { bus, membership, events } = setup()
    await beat(bus, 'B', { incarnation: 5n })
    await beat(bus, 'B', { incarnation: 5n, leaving: true })
    await beat(bus, 'B', { incarnation: 5n })
    await beat(bus, 'B', { incarnation: 4n })
    expect(membership.has('B')).toBe(false)
    expect(events).toHaveLength(2)
    await beat(bus, 'B', { incarnation: 6n })
    expect(membership.has('B')).toBe(true)
    expect(events.at(-1)).toEqual({ type: 'join', peerId: 'B', incarnation: 6 })
  })

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

  it('a restart (higher incarnation) is reported as restart, then join', async () => {
    const { bus, membership, events } = setup()
    await beat(bus, 'B', { incarnation: 5n })
    await beat(bus, 'B', { incarnation: 6n, role: 'client' })
    expect(events).toEqual([
      { type: 'join', peerId: 'B', incarnation: 5 },
      { type: 'leave', peerId: 'B', incarnation: 5, reason: 'restart' },
      { type: 'join', peerId: 'B', incarnation: 6 }
    ])
    expect(membership.get('B')).toMatchObject({ incarnation: 6, role: 'client' })
    // The old incarnation's late heartbeat changes nothing.
    await beat(bus, 'B', { incarnation: 5n })
    expect(events).toHaveLength(3)
    expect(membership.get('B')?.incarnation).toBe(6)
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

  it.each([
    ['a weight over 1000', { weight: 1e6 }],
    ['a zero weight', { weight: 0 }],
    ['an unknown role', { role: 'admin' }]
  ])('ignores a heartbeat with %s (it would blow up the ring)', async (_what, fields) => {
    const { bus, membership, events } = setup()
    await beat(bus, 'B', fields as any)
    expect(membership.has('B')).toBe(false)
    expect(events).toEqual([])
  })

  it('ignores malformed heartbeats', async () => {
    const { bus, membership, events } = setup()
    await bus.peer('X').publish(TOPIC, new Uint8Array([0xff, 0xff, 0xff]))
    await beat(bus, 'R', { role: 'admin' })
    await beat(bus, 'Z', { weight: 0 })
    await beat(bus, 'N', { weight: -1 })
    await beat(bus, 'Q', { weight: NaN })
    await beat(bus, 'I', { weight: Infinity })
    await beat(bus, 'M', { addrs: Array.from({ length: 65 }, (_, i) => `/a/${i}`) })
    await turns()
    expect(events).toEqual([])
    expect(membership.members()).toEqual([])
    // A good heartbeat still works after the bad ones.
    await beat(bus, 'B')
    expect(membership.has('B')).toBe(true)
  })

  it('upsert() ignores this peer itself and reports whether a member is new', () => {
    const { membership, events } = setup()
    expect(membership.upsert({ peerId: 'A', role: 'owner', weight: 1, incarnation: 1, addrs: [] })).toBe(false)
    expect(membership.has('A')).toBe(false)
    expect(membership.upsert({ peerId: 'B', role: 'owner', weight: 1, incarnation: 1, addrs: [] })).toBe(true)
    expect(membership.upsert({ peerId: 'B', role: 'owner', weight: 1, incarnation: 1, addrs: [] })).toBe(false)
    expect(membership.get('B')?.keys).toBe(0)
    expect(events).toEqual([{ type: 'join', peerId: 'B', incarnation: 1 }])
  })

  it('get() of this peer describes itself', () => {
    const { membership } = setup()
    expect(membership.get('A')).toMatchObject({ peerId: 'A', role: 'owner', weight: 2, incarnation: 1000, addrs: ['/ip4/127.0.0.1/tcp/4001'], keys: 17, lastSeen: START })
  })

  it('stop() says goodbye, stops beating and forgets the view', async () => {
    const { bus, membership } = setup()
    await beat(bus, 'B')
    await membership.stop()
    const beats = fromA(bus)
    expect(beats.at(-1)?.leaving).toBe(true)
    expect(membership.members()).toEqual([])
    const count = beats.length
    await advance(5 * HEARTBEAT_MS)
    await beat(bus, 'C')
    expect(fromA(bus)).toHaveLength(count)
    expect(membership.has('C')).toBe(false)
  })
})

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
