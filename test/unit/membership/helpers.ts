/** Set-up shared by the Membership tests: a fake gossip bus, fake timers, heartbeats from other peers. */
import { defaultLogger } from '@libp2p/logger'
import { afterEach, beforeEach, vi } from 'vitest'
import { Heartbeat } from '../../../src/membership/heartbeat.js'
import { Membership } from '../../../src/membership/membership.js'
import { topicOf } from '../../../src/util/gossip.js'
import { FakeGossipBus, turns } from '../fakes.js'
import type { LeaveReason } from '../../../src/membership/member.js'
import type { MembershipInit } from '../../../src/membership/membership.js'

export const MESH = 'm'
export const TOPIC = topicOf(MESH, 'members/1')
export const HEARTBEAT_MS = 1000
export const MISSED = 3
export const START = 1_700_000_000_000

export type Event = { type: 'join', peerId: string, incarnation: number } | { type: 'leave', peerId: string, incarnation: number, reason: LeaveReason }

export interface Setup {
  bus: FakeGossipBus
  membership: Membership
  events: Event[]
  probes: string[]
  probeResult: { value: boolean | Error }
}

export function setup (init: Partial<MembershipInit> = {}): Setup {
  const bus = new FakeGossipBus()
  const events: Event[] = []
  const probes: string[] = []
  const probeResult: Setup['probeResult'] = { value: true }
  const membership = new Membership({
    gossip: bus.peer('A'),
    logger: defaultLogger(),
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
export async function beat (bus: FakeGossipBus, from: string, fields: Partial<Heartbeat> = {}): Promise<void> {
  await bus.peer(from).publish(TOPIC, Heartbeat.encode({
    role: 'owner', weight: 1, incarnation: 1n, beat: BigInt(++beatCounter), addrs: [`/dns4/${from}/tcp/1`], leaving: false, keys: 0n, ...fields
  }))
  await turns(2)
}

export async function advance (ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
  await turns(2)
}

export const fromA = (bus: FakeGossipBus): Heartbeat[] => bus.on(TOPIC, 'A').map(m => Heartbeat.decode(m.data))

/** Fake timers (and Date) from START for every test of the calling file. */
export function useFakeClock (): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  })

  afterEach(() => {
    vi.useRealTimers()
  })
}
