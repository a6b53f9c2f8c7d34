import type { PeerId } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
// kad-dht's package exports hide these; the file path is the only way to reach them.
import { PeerDistanceList } from '../../../node_modules/@libp2p/kad-dht/dist/src/peer-distance-list.js'
import { convertPeerId } from '../../../node_modules/@libp2p/kad-dht/dist/src/utils.js'
import { Ring, kadIdOfKey, kadIdOfPeer } from '../../../src/ownership/index.js'
import { realPeerId, xorCompare } from './helpers.js'

describe('virtualIds: 1 is exactly Kademlia', () => {
  it('ranks members as kad-dht ranks peers by XOR distance of sha256(peer multihash)', async () => {
    const peers: PeerId[] = []
    for (let i = 0; i < 12; i++) peers.push(await realPeerId())
    const ring = new Ring(peers.map(p => ({ peerId: p.toString(), kadId: kadIdOfPeer(p.toMultihash().bytes), weight: 1 })), 1)
    const dhtIds = await Promise.all(peers.map(async p => convertPeerId(p)))

    for (let k = 0; k < 60; k++) {
      const key = kadIdOfKey('orders', 'users', `user:${k}`)

      const list = new PeerDistanceList(key, peers.length)
      for (const p of peers) await list.add({ id: p, multiaddrs: [] })
      const kadOrder = list.peers.map(pd => pd.peer.id.toString())

      const sorted = peers
        .map((p, i) => ({ id: p.toString(), kad: dhtIds[i] }))
        .sort((a, b) => xorCompare(a.kad, b.kad, key))
        .map(e => e.id)

      expect(ring.ranked(key)).toEqual(kadOrder)
      expect(ring.ranked(key)).toEqual(sorted)
      expect(ring.owners(key, 3)).toEqual(kadOrder.slice(0, 3))
    }
  })
})
