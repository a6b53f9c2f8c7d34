import { afterEach, describe, expect, it } from 'vitest'
import { startCluster, waitFor, waitForMembership } from '../helpers/cluster.js'
import type { Cluster } from '../helpers/cluster.js'
import type { MeshCache } from '../../node/index.js'

const keys = Array.from({ length: 600 }, (_, i) => `item:${i}`)

function holdings (peers: MeshCache[]): Map<string, Set<string>> {
  return new Map(peers.map(p => [p.peerId, new Set(p.localKeys())]))
}

describe('rebalancing', () => {
  let cluster: Cluster | undefined
  afterEach(async () => { await cluster?.stop(); cluster = undefined })

  it.each([1, 2])('a graceful stop loses no key (replicas=%i)', async (replicas) => {
    cluster = await startCluster(5, { replicas })
    const [first, , , , leaver] = cluster.peers
    await first.setMany(keys.map(k => [k, k.toUpperCase()]))
    expect(leaver.localKeys().length).toBeGreaterThan(0)
    await leaver.stop()
    const rest = cluster.peers.slice(0, 4)
    await waitForMembership(rest)
    for (const peer of rest) expect(await peer.getMany(keys)).toEqual(keys.map(k => k.toUpperCase()))
    // Each key sits on exactly its owners under the new view.
    for (const key of keys) {
      const holders = rest.filter(p => p.localKeys().includes(key)).map(p => p.peerId).sort()
      expect(holders).toEqual([...rest[0].ownersOf(key)].sort())
    }
  })

  it('a join moves only the keys the newcomer owns', async () => {
    cluster = await startCluster(4, { replicas: 2 })
    await cluster.peers[1].setMany(keys.map(k => [k, k]))
    const before = holdings(cluster.peers)
    const newcomer = await cluster.add()
    await waitForMembership(cluster.peers)
    // What an old member handed off stays a grace period (readers that have
    // not heard of the newcomer still ask it), then the stray sweep drops it.
    await waitFor(() => cluster!.peers.every(p => p.localKeys().every(k => p.ownersOf(k).includes(p.peerId))), 10_000, 'the handed-off keys to be dropped')
    const after = holdings(cluster.peers)

    const owned = keys.filter(k => newcomer.ownersOf(k).includes(newcomer.peerId))
    expect(owned.length).toBeGreaterThan(0)
    expect([...after.get(newcomer.peerId)!].sort()).toEqual([...owned].sort())
    for (const peer of cluster.peers.slice(0, 4)) {
      const had = before.get(peer.peerId)!
      const has = after.get(peer.peerId)!
      // Nothing arrives at an old member; what leaves is exactly what it no longer owns.
      expect([...has].filter(k => !had.has(k))).toEqual([])
      const left = [...had].filter(k => !has.has(k)).sort()
      expect(left).toEqual([...had].filter(k => !peer.ownersOf(k).includes(peer.peerId)).sort())
      expect(left.every(k => owned.includes(k))).toBe(true)
    }
    for (const peer of cluster.peers) expect(await peer.getMany(keys)).toEqual(keys)
  })
})
