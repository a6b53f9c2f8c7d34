import { describe, expect, it } from 'vitest'
import { turns } from '../fakes.js'
import { HEARTBEAT_MS, START, TOPIC, advance, beat, fromA, setup, useFakeClock } from './helpers.js'

useFakeClock()

describe('Membership', () => {
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
