import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// kad-dht exports only its package root; its id helper is read from the file itself.
import { convertBuffer } from '../../node_modules/@libp2p/kad-dht/dist/src/utils.js'
import { startCluster, waitFor } from '../helpers/cluster.js'
import type { Cluster } from '../helpers/cluster.js'

// meshcache does not run kad-dht itself (src/libp2p.ts says why): an
// application that wants it adds it as a service, and then both agree.
const dhtOf = (peer: Cluster['peers'][number]): any => (peer.libp2p.services as Record<string, any>).dht

describe('virtualIds: 1', () => {
  let cluster: Cluster

  beforeAll(async () => {
    const dht = kadDHT({ protocol: '/meshcache/kad/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper })
    cluster = await startCluster(6, { virtualIds: 1, replicas: 3, mesh: 'kad', libp2p: { services: { dht } } })
    await waitFor(() => cluster.peers.every(p => dhtOf(p).routingTable.size === 5), 10_000, 'full routing tables')
  })
  afterAll(async () => { await cluster?.stop() })

  it("names exactly the peers kad-dht's routing table ranks closest to the key", async () => {
    let checked = 0
    for (const peer of cluster.peers) {
      const table = dhtOf(peer).routingTable
      for (let i = 0; i < 100; i++) {
        const key = `key-${i}`
        const kadId = await convertBuffer(new TextEncoder().encode(`kad/default/${key}`))
        const ranked: string[] = table.closestPeers(kadId, { count: 5 }).map(String)
        const others = peer.ownersOf(key).filter(id => id !== peer.peerId)
        expect(others).toEqual(ranked.slice(0, others.length))
        checked++
      }
    }
    expect(checked).toBe(600)
  })
})
