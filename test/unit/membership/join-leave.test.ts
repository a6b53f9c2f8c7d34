import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { Membership } from '../../../src/membership/membership.js'
import { turns } from '../fakes.js'
import { HEARTBEAT_MS, MESH, MISSED, advance, beat, fromA, setup, useFakeClock } from './helpers.js'
import type { Member } from '../../../src/membership/member.js'

useFakeClock()

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

  it('a member joins on its first heartbeat, once, and is answered within half a period', async () => {
    const { bus, membership, events } = setup()
    await turns()
    const before = fromA(bus).length
    await beat(bus, 'B', { role: 'client', weight: 3, incarnation: 5n, addrs: ['/x'], keys: 12n })
    expect(events).toEqual([{ type: 'join', peerId: 'B', incarnation: 5 }])
    await advance(HEARTBEAT_MS / 2)
    expect(fromA(bus).length).toBe(before + 1) // did not wait for the next tick
    const heardAt = Date.now()
    await beat(bus, 'B', { role: 'client', weight: 3, incarnation: 5n, keys: 13n })
    await beat(bus, 'B', { role: 'client', weight: 3, incarnation: 5n, keys: 14n })
    await advance(HEARTBEAT_MS / 2 - 1)
    expect(events).toHaveLength(1)
    expect(fromA(bus).length).toBe(before + 1) // known members are not answered
    const b = membership.get('B') as Member
    expect(b).toMatchObject({ peerId: 'B', role: 'client', weight: 3, incarnation: 5, keys: 14 })
    expect(b.lastSeen).toBe(heardAt)
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
    const b = new Membership({ gossip: s.bus.peer('B'), logger: defaultLogger(), probe: async () => true }, {
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
    await advance(HEARTBEAT_MS / 2)
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
})
