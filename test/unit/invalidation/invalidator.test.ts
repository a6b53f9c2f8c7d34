import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { Invalidator } from '../../../src/invalidation/invalidator.js'
import { Invalidation } from '../../../src/invalidation/message.js'
import { NearCache } from '../../../src/invalidation/near-cache.js'
import { topicOf } from '../../../src/util/gossip.js'
import { FakeGossipBus, turns } from '../fakes.js'
import type { InvalidationItem } from '../../../src/invalidation/invalidator.js'

const MESH = 'test-mesh'
const TOPIC = topicOf(MESH, 'inval/1')

interface Peer {
  id: string
  near: NearCache
  inv: Invalidator
  heard: Array<{ item: InvalidationItem, owner: string }>
}

function peer (bus: FakeGossipBus, id: string, incarnation = 1): Peer {
  const near = new NearCache({ maxEntries: 1000, maxStalenessMs: 60_000 })
  const heard: Peer['heard'] = []
  const inv = new Invalidator({ gossip: bus.peer(id), near, logger: defaultLogger() }, {
    mesh: MESH,
    incarnation,
    onInvalidate: (item, owner) => { heard.push({ item, owner }) }
  })
  inv.start()
  return { id, near, inv, heard }
}

function copy (p: Peer, key: string, version: bigint, owner: string, keyspace = 's'): void {
  p.near.set(keyspace, key, { value: new Uint8Array([1]), version, expiresAt: 0, owner, fetchedAt: Date.now() })
}

const has = (p: Peer, key: string, keyspace = 's'): boolean => p.near.get(keyspace, key) != null

function decoded (bus: FakeGossipBus, from?: string): Invalidation[] {
  return bus.on(TOPIC, from).map(m => Invalidation.decode(m.data))
}

describe('Invalidator', () => {
  it('sends the items published in one turn as one message', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A', 77)
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    a.inv.publish({ keyspace: 't', key: 'k3', version: 3n })
    expect(bus.on(TOPIC)).toHaveLength(0) // not before the turn ends
    await turns()
    const messages = decoded(bus, 'A')
    expect(messages).toHaveLength(1)
    expect(messages[0].incarnation).toBe(77n)
    expect(messages[0].seq).toBe(1n)
    expect(messages[0].items).toEqual([
      { keyspace: 's', key: 'k1', version: 1n },
      { keyspace: 's', key: 'k2', version: 2n },
      { keyspace: 't', key: 'k3', version: 3n }
    ])
    a.inv.publish({ keyspace: 's', key: 'k4', version: 4n })
    await turns()
    expect(decoded(bus, 'A').map(m => m.seq)).toEqual([1n, 2n])
  })

  it('splits a large batch into messages of at most 512 items that receivers accept without a gap', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A')
    const b = peer(bus, 'B')
    copy(b, 'k0', 1n, 'A')
    copy(b, 'k599', 1n, 'A')
    copy(b, 'untouched', 1n, 'A')
    for (let i = 0; i < 600; i++) a.inv.publish({ keyspace: 's', key: `k${i}`, version: 5n })
    await turns()
    const messages = decoded(bus, 'A')
    expect(messages.map(m => m.items.length)).toEqual([512, 88])
    expect(messages.map(m => m.seq)).toEqual([1n, 2n])
    expect(b.heard).toHaveLength(600)
    expect(b.inv.gaps).toBe(0)
    expect(has(b, 'k0')).toBe(false)
    expect(has(b, 'k599')).toBe(false)
    expect(has(b, 'untouched')).toBe(true)
  })

  it('makes every receiver drop older near copies and keep newer ones', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A')
    const b = peer(bus, 'B')
    const c = peer(bus, 'C')
    for (const p of [b, c]) {
      copy(p, 'older', 4n, 'A')
      copy(p, 'newer', 9n, 'A')
      copy(p, 'other', 1n, 'A')
    }
    copy(a, 'older', 4n, 'X') // the sender does not hear its own message
    a.inv.publish({ keyspace: 's', key: 'older', version: 5n })
    a.inv.publish({ keyspace: 's', key: 'newer', version: 5n })
    await turns()
    for (const p of [b, c]) {
      expect(has(p, 'older')).toBe(false)
      expect(has(p, 'newer')).toBe(true)
      expect(has(p, 'other')).toBe(true)
      expect(p.heard).toEqual([
        { item: { keyspace: 's', key: 'older', version: 5n }, owner: 'A' },
        { item: { keyspace: 's', key: 'newer', version: 5n }, owner: 'A' }
      ])
    }
    expect(a.heard).toEqual([])
    expect(has(a, 'older')).toBe(true)
  })

  it('blocks a late older fill of a key whose invalidation already arrived', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A')
    const b = peer(bus, 'B')
    a.inv.publish({ keyspace: 's', key: 'k', version: 10n })
    await turns()
    copy(b, 'k', 9n, 'A')
    expect(has(b, 'k')).toBe(false)
  })

  it('on a gap, drops every near copy served by that owner and counts it', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A')
    const b = peer(bus, 'B')
    const c = peer(bus, 'C')
    for (const p of [b, c]) {
      copy(p, 'x', 100n, 'A')
      copy(p, 'y', 100n, 'A', 'other-keyspace')
      copy(p, 'z', 100n, 'D')
    }
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    // Message 2 is lost on its way to B only.
    bus.drop = (message, to) => to === 'B' && Invalidation.decode(message.data).seq === 2n
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    expect(has(b, 'x')).toBe(true) // B cannot know yet
    a.inv.publish({ keyspace: 's', key: 'k3', version: 3n })
    await turns()
    expect(b.inv.gaps).toBe(1)
    expect(has(b, 'x')).toBe(false)
    expect(has(b, 'y', 'other-keyspace')).toBe(false)
    expect(has(b, 'z')).toBe(true) // served by another owner
    expect(b.heard.map(h => h.item.key)).toEqual(['k1', 'k3'])
    // C lost nothing and keeps its copies.
    expect(c.inv.gaps).toBe(0)
    expect(has(c, 'x')).toBe(true)
    expect(has(c, 'y', 'other-keyspace')).toBe(true)
    // Numbering continues from the message after the gap: no second gap.
    copy(b, 'x', 100n, 'A')
    a.inv.publish({ keyspace: 's', key: 'k4', version: 4n })
    await turns()
    expect(b.inv.gaps).toBe(1)
    expect(has(b, 'x')).toBe(true)
  })

  it('drops the copies of an owner whose first message heard is not its first', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    const late = peer(bus, 'L') // subscribes after message 1 went by
    copy(late, 'x', 100n, 'A')
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    expect(has(late, 'x')).toBe(false)
    // ...and from then on follows the numbering.
    copy(late, 'x', 100n, 'A')
    a.inv.publish({ keyspace: 's', key: 'k3', version: 3n })
    await turns()
    expect(has(late, 'x')).toBe(true)
    expect(late.inv.gaps).toBe(0)
  })

  it('keeps copies when the first message heard from an owner is its first', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A')
    const b = peer(bus, 'B')
    copy(b, 'x', 100n, 'A')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    expect(has(b, 'x')).toBe(true)
  })

  it('a new incarnation of an owner starts its numbering afresh', async () => {
    const bus = new FakeGossipBus()
    const b = peer(bus, 'B')
    const first = peer(bus, 'A', 1)
    for (let i = 1; i <= 5; i++) {
      first.inv.publish({ keyspace: 's', key: `k${i}`, version: BigInt(i) })
      await turns()
    }
    first.inv.stop()
    const second = peer(bus, 'A', 2) // same peer id, restarted
    second.inv.publish({ keyspace: 's', key: 'n1', version: 10n })
    await turns()
    expect(decoded(bus, 'A').at(-1)).toMatchObject({ incarnation: 2n, seq: 1n })
    copy(b, 'x', 100n, 'A')
    for (let i = 2; i <= 7; i++) {
      second.inv.publish({ keyspace: 's', key: `n${i}`, version: BigInt(10 + i) })
      await turns()
    }
    expect(b.inv.gaps).toBe(0)
    expect(has(b, 'x')).toBe(true)
    expect(b.heard).toHaveLength(12)
  })

  it('applies the items of a repeated or late message without treating it as a gap', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A')
    const b = peer(bus, 'B')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    // Message 1 arrives again, with a copy it names now in B's near cache.
    copy(b, 'k1', 0n, 'A')
    copy(b, 'keep', 100n, 'A')
    await bus.peer('A').publish(TOPIC, bus.on(TOPIC, 'A')[0].data)
    await turns()
    expect(has(b, 'k1')).toBe(false)
    expect(has(b, 'keep')).toBe(true)
    a.inv.publish({ keyspace: 's', key: 'k3', version: 3n })
    await turns()
    expect(b.inv.gaps).toBe(0)
    expect(has(b, 'keep')).toBe(true)
  })

  it('ignores malformed gossip data and messages with too many items', async () => {
    const bus = new FakeGossipBus()
    const b = peer(bus, 'B')
    copy(b, 'x', 1n, 'A')
    const evil = bus.peer('A')
    await evil.publish(TOPIC, new Uint8Array([0xff, 0xff, 0xff, 0xff]))
    await evil.publish(TOPIC, new Uint8Array([0x1a, 0x05, 0x0a])) // item cut short
    const tooMany = Invalidation.encode({
      incarnation: 1n,
      seq: 1n,
      items: Array.from({ length: 513 }, (_, i) => ({ keyspace: 's', key: i === 0 ? 'x' : `k${i}`, version: 50n }))
    })
    await evil.publish(TOPIC, tooMany)
    await turns()
    expect(has(b, 'x')).toBe(true)
    expect(b.heard).toEqual([])
    expect(b.inv.gaps).toBe(0)
    // A valid message still works afterwards, and counts as A's first.
    await evil.publish(TOPIC, Invalidation.encode({ incarnation: 1n, seq: 1n, items: [{ keyspace: 's', key: 'x', version: 2n }] }))
    await turns()
    expect(has(b, 'x')).toBe(false)
    expect(b.heard).toHaveLength(1)
  })

  it('stop() sends what is queued at once and stops listening', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A')
    const b = peer(bus, 'B')
    expect(bus.subscribers(TOPIC)).toBe(2)
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    a.inv.stop()
    expect(decoded(bus, 'A')).toHaveLength(1)
    expect(bus.subscribers(TOPIC)).toBe(1)
    b.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    expect(a.heard).toEqual([])
    expect(b.heard.map(h => h.item.key)).toEqual(['k1'])
    // The queued flush after stop sends nothing twice.
    expect(decoded(bus, 'A')).toHaveLength(1)
  })

  it('forget() makes the next message from that owner count as its first', async () => {
    const bus = new FakeGossipBus()
    const a = peer(bus, 'A')
    const b = peer(bus, 'B')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    b.inv.forget('A')
    copy(b, 'x', 100n, 'A')
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    // Seq 2 without seq 1 known: copies dropped, but it was not a loss B saw.
    expect(has(b, 'x')).toBe(false)
    expect(b.inv.gaps).toBe(0)
  })

  it('swallows a failing publish', async () => {
    const near = new NearCache({ maxEntries: 10, maxStalenessMs: 1000 })
    let calls = 0
    const inv = new Invalidator({
      gossip: {
        publish: async () => { calls++; throw new Error('no peers subscribed') },
        subscribe: () => () => {}
      },
      near,
      logger: defaultLogger()
    }, { mesh: MESH, incarnation: 1 })
    inv.start()
    inv.publish({ keyspace: 's', key: 'k', version: 1n })
    await turns()
    expect(calls).toBe(1)
  })
})
