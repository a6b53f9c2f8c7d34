import { describe, expect, it } from 'vitest'
import { MAX_ITEMS_PER_NOTICE } from '../../../src/invalidation/invalidator.js'
import { turns } from '../fakes.js'
import { FakeInvalidationNet } from './fake-net.js'
import type { NetPeer } from './fake-net.js'

function copy (p: NetPeer, key: string, version: bigint, owner: string, keyspace = 's'): void {
  p.near.set(keyspace, key, { value: new Uint8Array([1]), version, expiresAt: 0, owner, fetchedAt: Date.now() })
}

const has = (p: NetPeer, key: string, keyspace = 's'): boolean => p.near.get(keyspace, key) != null

describe('Invalidator', () => {
  it('sends the items published in one turn as one notice to each peer, numbered per peer', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A', { incarnation: 77 })
    net.peer('B')
    net.peer('C')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    a.inv.publish({ keyspace: 't', key: 'k3', version: 3n })
    expect(net.sent).toHaveLength(0) // not before the turn ends
    await turns()
    const toB = net.from('A', 'B')
    expect(toB).toHaveLength(1)
    expect(toB[0].seq).toBe(1n)
    expect(toB[0].items).toEqual([
      { keyspace: 's', key: 'k1', version: 1n },
      { keyspace: 's', key: 'k2', version: 2n },
      { keyspace: 't', key: 'k3', version: 3n }
    ])
    // Each peer has a numbering of its own, and a restarted owner's epochs are past the old run's.
    const toC = net.from('A', 'C')
    expect(toC.map(n => n.seq)).toEqual([1n])
    expect(toC[0].epoch).not.toBe(toB[0].epoch)
    expect(toB[0].epoch >= 77n * 1024n).toBe(true)
    a.inv.publish({ keyspace: 's', key: 'k4', version: 4n })
    await turns()
    expect(net.from('A', 'B').map(n => n.seq)).toEqual([1n, 2n])
    expect(net.from('A', 'B')[1].epoch).toBe(toB[0].epoch)
  })

  it(`splits a large batch into notices of at most ${MAX_ITEMS_PER_NOTICE} items that receivers take without a gap`, async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    copy(b, 'k0', 1n, 'A')
    copy(b, 'k599', 1n, 'A')
    copy(b, 'untouched', 1n, 'A')
    for (let i = 0; i < 600; i++) a.inv.publish({ keyspace: 's', key: `k${i}`, version: 5n })
    // A full notice leaves at once: a turn of bulk writes does not queue every item until it ends.
    expect(net.from('A', 'B').map(n => n.items.length)).toEqual([512])
    await turns()
    expect(net.from('A', 'B').map(n => n.items.length)).toEqual([512, 88])
    expect(net.from('A', 'B').map(n => n.seq)).toEqual([1n, 2n])
    expect(b.heard).toHaveLength(600)
    expect(b.inv.gaps).toBe(0)
    expect(has(b, 'k0')).toBe(false)
    expect(has(b, 'k599')).toBe(false)
    expect(has(b, 'untouched')).toBe(true)
  })

  it('makes every receiver drop older near copies and keep newer ones; the sender hears nothing of its own', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    const c = net.peer('C')
    for (const p of [b, c]) {
      copy(p, 'older', 4n, 'A')
      copy(p, 'newer', 9n, 'A')
      copy(p, 'other', 1n, 'A')
    }
    copy(a, 'older', 4n, 'X')
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
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    a.inv.publish({ keyspace: 's', key: 'k', version: 10n })
    await turns()
    copy(b, 'k', 9n, 'A')
    expect(has(b, 'k')).toBe(false)
  })

  it('on a gap, drops every near copy served by that owner and counts it', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    const c = net.peer('C')
    for (const p of [b, c]) {
      copy(p, 'x', 100n, 'A')
      copy(p, 'y', 100n, 'A', 'other-keyspace')
      copy(p, 'z', 100n, 'D')
    }
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    // Notice 2 is lost on its way to B only.
    net.drop = notice => notice.to === 'B' && notice.seq === 2n
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
    expect(c.inv.gaps).toBe(0)
    expect(has(c, 'x')).toBe(true)
    expect(has(c, 'y', 'other-keyspace')).toBe(true)
    // Numbering continues from the notice after the gap: no second gap.
    copy(b, 'x', 100n, 'A')
    a.inv.publish({ keyspace: 's', key: 'k4', version: 4n })
    await turns()
    expect(b.inv.gaps).toBe(1)
    expect(has(b, 'x')).toBe(true)
  })

  it('a peer left out of a batch gets a new numbering, and drops that owner\'s copies when it arrives', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    net.peer('C')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    copy(b, 'x', 100n, 'A')
    net.recipientsOf.set('A', ['C']) // B is not a recipient for a while (say, its channel closed)
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    net.recipientsOf.delete('A')
    a.inv.publish({ keyspace: 's', key: 'k3', version: 3n })
    await turns()
    const toB = net.from('A', 'B')
    expect(toB.map(n => n.seq)).toEqual([1n, 1n])
    expect(toB[1].epoch).not.toBe(toB[0].epoch)
    expect(has(b, 'x')).toBe(false)
    expect(b.inv.gaps).toBe(0) // not a loss B saw, but a break all the same
    // ...and from then on follows the new numbering.
    copy(b, 'x', 100n, 'A')
    a.inv.publish({ keyspace: 's', key: 'k4', version: 4n })
    await turns()
    expect(has(b, 'x')).toBe(true)
  })

  it('keeps copies when the first notice heard from an owner starts its numbering', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    copy(b, 'x', 100n, 'A')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    expect(has(b, 'x')).toBe(true)
  })

  it('drops the copies of an owner whose first notice heard is not the first of its numbering', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    copy(b, 'x', 100n, 'A')
    net.drop = notice => notice.seq === 1n
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    expect(has(b, 'x')).toBe(false)
    expect(b.heard.map(h => h.item.key)).toEqual(['k2'])
  })

  it('a restarted owner starts a new numbering; copies taken after its first notice stay', async () => {
    const net = new FakeInvalidationNet()
    const b = net.peer('B')
    const first = net.peer('A', { incarnation: 1 })
    for (let i = 1; i <= 5; i++) {
      first.inv.publish({ keyspace: 's', key: `k${i}`, version: BigInt(i) })
      await turns()
    }
    first.inv.stop()
    copy(b, 'old', 100n, 'A')
    const second = net.peer('A', { incarnation: 2 }) // same peer id, restarted
    second.inv.publish({ keyspace: 's', key: 'n1', version: 10n })
    await turns()
    const toB = net.from('A', 'B')
    expect(toB.at(-1)?.seq).toBe(1n)
    expect(toB.at(-1)!.epoch > toB[0].epoch).toBe(true)
    expect(has(b, 'old')).toBe(false) // whatever the old run sent last, B cannot be sure it heard it all
    copy(b, 'x', 100n, 'A')
    for (let i = 2; i <= 7; i++) {
      second.inv.publish({ keyspace: 's', key: `n${i}`, version: BigInt(10 + i) })
      await turns()
    }
    expect(b.inv.gaps).toBe(0)
    expect(has(b, 'x')).toBe(true)
    expect(b.heard).toHaveLength(12)
  })

  it('applies the items of a repeated or late notice without treating it as a gap', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    copy(b, 'k1', 0n, 'A')
    copy(b, 'keep', 100n, 'A')
    b.inv.receive('A', net.from('A', 'B')[0]) // notice 1 again
    expect(has(b, 'k1')).toBe(false)
    expect(has(b, 'keep')).toBe(true)
    a.inv.publish({ keyspace: 's', key: 'k3', version: 3n })
    await turns()
    expect(b.inv.gaps).toBe(0)
    expect(has(b, 'keep')).toBe(true)
  })

  it('stop() sends what is queued at once, then neither sends nor hears', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    a.inv.stop()
    expect(net.from('A')).toHaveLength(1)
    b.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    expect(a.heard).toEqual([])
    expect(b.heard.map(h => h.item.key)).toEqual(['k1'])
    a.inv.publish({ keyspace: 's', key: 'k3', version: 3n })
    await turns()
    expect(net.from('A')).toHaveLength(1)
  })

  it('forget() starts both numberings with that peer afresh', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    const b = net.peer('B')
    a.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    b.inv.publish({ keyspace: 's', key: 'k1', version: 1n })
    await turns()
    b.inv.forget('A')
    copy(b, 'x', 100n, 'A')
    a.inv.publish({ keyspace: 's', key: 'k2', version: 2n })
    await turns()
    // Seq 2 of a numbering B no longer knows: copies dropped, but it was not a loss B saw.
    expect(has(b, 'x')).toBe(false)
    expect(b.inv.gaps).toBe(0)
    b.inv.publish({ keyspace: 's', key: 'k3', version: 3n })
    await turns()
    const toA = net.from('B', 'A')
    expect(toA.map(n => n.seq)).toEqual([1n, 1n])
    expect(toA[1].epoch).not.toBe(toA[0].epoch)
  })

  it('sends nothing when there is no one to tell', async () => {
    const net = new FakeInvalidationNet()
    const a = net.peer('A')
    a.inv.publish({ keyspace: 's', key: 'k', version: 1n })
    await turns()
    expect(net.sent).toEqual([])
  })
})
