import { peerIdFromString } from '@libp2p/peer-id'
import { beforeAll, describe, expect, it } from 'vitest'
import { OwnerLookup, Ownership, Ring, kadIdOfPeer } from '../../../src/ownership/index.js'
import { realPeerId } from './helpers.js'
import type { OwnerCandidate, OwnershipInit } from '../../../src/ownership/index.js'

const INIT: OwnershipInit = { mesh: 'm', replicas: 2, virtualIds: 20 }
const KEYS = Array.from({ length: 300 }, (_, i) => `key-${i}`)

/** Five owner-role peers and two clients, real peer ids. */
let owners: OwnerCandidate[]
let clients: OwnerCandidate[]

beforeAll(async () => {
  const ids = await Promise.all(Array.from({ length: 7 }, async () => (await realPeerId()).toString()))
  owners = ids.slice(0, 5).map(peerId => ({ peerId, role: 'owner', weight: 1 }))
  clients = ids.slice(5).map(peerId => ({ peerId, role: 'client', weight: 1 }))
})

describe('Ownership', () => {
  it('puts only owner-role members on the ring', () => {
    const o = new Ownership(INIT)
    o.rebuild([...owners.slice(0, 3), ...clients])
    expect([...o.current.members.keys()].sort()).toEqual(owners.slice(0, 3).map(m => m.peerId).sort())
    const clientIds = new Set(clients.map(m => m.peerId))
    for (const key of KEYS) {
      expect(o.owners('ks', key).some(p => clientIds.has(p))).toBe(false)
    }
  })

  it('names the only owner-role member for every key, and the ring\'s answer again once a second joins', () => {
    const o = new Ownership(INIT)
    o.rebuild([owners[0], ...clients])
    for (const key of KEYS) expect(o.owners('ks', key)).toEqual([owners[0].peerId])
    o.rebuild(owners.slice(0, 2))
    for (const key of KEYS) expect(o.owners('ks', key)).toEqual(o.ownersIn(o.current, 'ks', key))
    expect(new Set(KEYS.map(key => o.owners('ks', key)[0])).size).toBe(2)
  })

  it('names `replicas` distinct owners per key', () => {
    const o = new Ownership({ ...INIT, replicas: 3 })
    o.rebuild(owners)
    for (const key of KEYS) {
      const named = o.owners('ks', key)
      expect(named).toHaveLength(3)
      expect(new Set(named).size).toBe(3)
    }
  })

  it('names fewer when there are fewer owners than replicas, and none with no owners', () => {
    const o = new Ownership({ ...INIT, replicas: 3 })
    expect(o.owners('ks', 'k')).toEqual([])
    o.rebuild([owners[0], ...clients])
    expect(o.owners('ks', 'k')).toEqual([owners[0].peerId])
  })

  it('changes owners after a rebuild that adds a member (no stale remembered answer)', () => {
    const o = new Ownership(INIT)
    const four = owners.slice(0, 4)
    o.rebuild(four)
    const before = new Map(KEYS.map(k => [k, o.owners('ks', k)]))
    const added = owners[4].peerId
    expect([...before.values()].some(list => list.includes(added))).toBe(false)

    o.rebuild(owners)
    const after = new Map(KEYS.map(k => [k, o.owners('ks', k)]))
    const moved = KEYS.filter(k => after.get(k)!.join() !== before.get(k)!.join())
    expect(moved.length).toBeGreaterThan(0)
    // Every key that moved moved to the newcomer; nobody else gained a key.
    for (const k of moved) expect(after.get(k)).toContain(added)
    for (const k of KEYS) expect(after.get(k)).toEqual(o.ownersIn(o.current, 'ks', k))
  })

  it('keeps one viewId per owner set: a client joining does not change it, an owner does', () => {
    const o = new Ownership(INIT)
    const empty = o.viewId
    o.rebuild(owners.slice(0, 3))
    const three = o.viewId
    expect(three).not.toBe(empty)

    o.rebuild([...owners.slice(0, 3), ...clients])
    expect(o.viewId).toBe(three)

    o.rebuild(owners.slice(0, 4))
    const four = o.viewId
    expect(four).not.toBe(three)

    // The same set in another order is the same view, in a fresh Ownership too.
    const other = new Ownership(INIT)
    other.rebuild([...owners.slice(0, 3)].reverse())
    expect(other.viewId).toBe(three)

    // A weight is part of the owner set.
    o.rebuild([{ ...owners[0], weight: 2 }, ...owners.slice(1, 3)])
    expect(o.viewId).not.toBe(three)
  })

  it('ring(members, without) leaves that peer out, and ownersIn it never names it', () => {
    const o = new Ownership(INIT)
    o.rebuild(owners)
    const viewBefore = o.viewId
    const leaving = owners[2].peerId
    const ring = o.ring([...owners, ...clients], leaving)
    expect(ring.members.has(leaving)).toBe(false)
    expect(ring.size).toBe(4)
    let wasOwner = 0
    for (const key of KEYS) {
      if (o.owners('ks', key).includes(leaving)) wasOwner++
      const named = o.ownersIn(ring, 'ks', key)
      expect(named).not.toContain(leaving)
      expect(named).toHaveLength(2)
    }
    // The leaver did own keys under the current view, and the current view is untouched.
    expect(wasOwner).toBeGreaterThan(0)
    expect(o.viewId).toBe(viewBefore)
    expect(o.current.members.has(leaving)).toBe(true)
  })

  it('agrees with an OwnerLookup over a Ring built by hand from the same members', () => {
    const weighted = owners.map((m, i) => ({ ...m, weight: 1 + (i % 3) * 0.5 }))
    const o = new Ownership(INIT)
    o.rebuild([...weighted, ...clients])
    const ring = new Ring(weighted.map(m => ({
      peerId: m.peerId,
      kadId: kadIdOfPeer(peerIdFromString(m.peerId).toMultihash().bytes),
      weight: m.weight
    })), INIT.virtualIds)
    const lookup = new OwnerLookup(INIT.mesh, INIT.replicas, ring)
    expect(o.viewId).toBe(lookup.viewId)
    for (const keyspace of ['ks', 'other']) {
      for (const key of KEYS) {
        expect(o.owners(keyspace, key)).toEqual(lookup.owners(keyspace, key))
        expect(o.successors(keyspace, key)).toEqual(lookup.successors(keyspace, key))
      }
    }
  })

  it('names owners per mesh: another mesh name ranks keys differently', () => {
    const a = new Ownership(INIT)
    const b = new Ownership({ ...INIT, mesh: 'other-mesh' })
    a.rebuild(owners)
    b.rebuild(owners)
    expect(KEYS.some(k => a.owners('ks', k).join() !== b.owners('ks', k).join())).toBe(true)
  })
})
