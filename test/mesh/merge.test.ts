/**
 * A partition in one process, no root needed: 3 + 3 peers, and a connection
 * gater that, while the cut lasts, refuses every connection across it (the
 * open ones are hung up). Both sides write the same keys; after the heal the
 * sides must find each other again (members declared dead are re-dialled),
 * and every replica must end up with the newer version. With 3 peers a side,
 * a key's owners during the cut and after it differ on both sides.
 * test/faults/partition.test.ts cuts a real link between network namespaces.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createCache } from '../../node/index.js'
import { FAST, LOOPBACK, seedOf, waitFor, waitForMembership } from '../helpers/cluster.js'
import type { CacheOptions, MeshCache } from '../../node/index.js'

const KEYS = Array.from({ length: 60 }, (_, i) => `m:${i}`)
const MAX_STALENESS_MS = 1_000

describe('merge after a partition', () => {
  const peers: MeshCache[] = []
  afterEach(async () => {
    await Promise.allSettled(peers.splice(0).map(async p => p.stop()))
  })

  it('3 + 3 peers cut apart, written on both sides, healed: one mesh, newest versions everywhere', async () => {
    const side = new Map<string, 'a' | 'b'>()
    let cut = false
    const across = (mine: 'a' | 'b', peer: { toString: () => string }): boolean => {
      const theirs = side.get(peer.toString())
      return cut && theirs != null && theirs !== mine
    }
    const options = (mine: 'a' | 'b'): CacheOptions => ({
      ...FAST,
      mesh: `merge-${process.pid}`,
      listen: LOOPBACK,
      replicas: 2,
      nearCache: { maxStalenessMs: MAX_STALENESS_MS },
      libp2p: {
        connectionGater: {
          denyDialPeer: peer => across(mine, peer),
          denyInboundEncryptedConnection: peer => across(mine, peer),
          denyOutboundEncryptedConnection: peer => across(mine, peer)
        }
      }
    })
    for (const mine of ['a', 'a', 'a', 'b', 'b', 'b'] as const) {
      const peer = await createCache({ ...options(mine), bootstrap: seedOf(peers) })
      side.set(peer.peerId, mine)
      peers.push(peer)
    }
    await waitForMembership(peers)
    const a = peers.slice(0, 3)
    const b = peers.slice(3)
    await a[0].setMany(KEYS.map(k => [k, 'init']))

    cut = true
    await Promise.all(peers.map(async p => {
      const others = p.libp2p.getConnections().map(c => c.remotePeer).filter(id => across(side.get(p.peerId)!, id))
      await Promise.allSettled(others.map(async id => p.libp2p.hangUp(id)))
    }))
    await waitForMembership(a, 15_000)
    await waitForMembership(b, 15_000)

    // Which side writes last alternates by key.
    const newest = new Map<string, string>()
    const write = async (peer: MeshCache, keys: string[], tag: string): Promise<void> => {
      await peer.setMany(keys.map(k => [k, `${tag}:${k}`]))
      for (const k of keys) newest.set(k, `${tag}:${k}`)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    await write(a[1], KEYS, 'a')
    await write(b[1], KEYS, 'b')
    await write(a[2], KEYS.filter((_, i) => i % 2 === 0), 'a2')

    const healAt = Date.now()
    cut = false
    await waitForMembership(peers, 20_000)
    const convergedMs = Date.now() - healAt
    await new Promise(resolve => setTimeout(resolve, MAX_STALENESS_MS))

    // Every replica, not only the one a read reaches first: a stale one would
    // answer as soon as the other fails.
    const stale: string[] = []
    await waitFor(async () => {
      stale.length = 0
      for (const k of KEYS) {
        for (const peer of peers) {
          if (!peer.ownersOf(k).includes(peer.peerId) || !peer.localKeys().includes(k)) continue
          const value = await peer.get(k)
          if (value !== newest.get(k)) stale.push(`${k} on an owner: ${String(value)}`)
        }
        for (const peer of peers) {
          const value = await peer.get(k)
          if (value !== newest.get(k)) stale.push(`${k} read: ${String(value)}`)
        }
      }
      return stale.length === 0
    }, 3_000, 'every peer and replica to hold the newest values').catch(() => {})
    // Replicas are restored by reconcile(), which waits for the view to hold
    // still for 10 heartbeats: on a loaded machine that takes a while.
    const replicasOf = (): number[] => KEYS.map(k => peers.filter(p => p.localKeys().includes(k) && p.ownersOf(k).includes(p.peerId)).length)
    await waitFor(async () => Math.min(...replicasOf()) >= 2, 20_000, 'every key on both of its owners').catch(() => {})
    const replicas = replicasOf()
    console.log(`merge: 3 + 3 peers converged ${convergedMs} ms after the heal; ${stale.length} stale; replicas per key min ${Math.min(...replicas)}`)
    expect(stale).toEqual([])
    expect(Math.min(...replicas)).toBe(2)
  }, 120_000)
})
