/**
 * More than 10 peers on one address (127.0.0.1), as on one host or behind one
 * NAT: gossipsub's default colocation penalty graylisted every one of them
 * past 10, and their meshes stayed empty (members then went unheard at 16+).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { open } from '../../src/util/envelope.js'
import { startCluster, waitFor } from '../helpers/cluster.js'
import type { Cluster } from '../helpers/cluster.js'

const PEERS = 14

let cluster: Cluster | undefined
afterEach(async () => { await cluster?.stop() })

describe('peers sharing one address', () => {
  it(`${PEERS} peers on 127.0.0.1 each have a gossip mesh and hear every other member's heartbeats`, async () => {
    cluster = await startCluster(PEERS, {}, 60_000)
    const { peers } = cluster
    const mesh = (await peers[0].status()).mesh
    const topic = `meshcache/${mesh}/members/1`
    const heard = peers.map(() => new Set<string>())
    peers.forEach((peer, i) => {
      peer.libp2p.services.pubsub.addEventListener('gossipsub:message', evt => {
        const { msg } = evt.detail
        if (msg.topic !== topic) return
        const envelope = open(topic, msg.data)
        if (typeof envelope !== 'string') heard[i].add(envelope.origin)
      })
    })
    const meshSizes = (): number[] => peers.map(peer => peer.libp2p.services.pubsub.getMeshPeers(topic).length)
    // The heartbeat period at this size is heartbeatMs × 14 / 2 = 1.4 s; a
    // mesh is grafted at a gossipsub heartbeat (1 s). Wait, bounded, then say
    // what was missing.
    await waitFor(() => heard.every(origins => origins.size === PEERS - 1) && meshSizes().every(size => size > 0), 20_000, 'gossip to reach everyone')
      .catch((err: Error) => { console.log(err.message) })
    expect(heard.map(origins => origins.size)).toEqual(peers.map(() => PEERS - 1))
    expect(meshSizes().every(size => size > 0), `mesh sizes ${meshSizes().join(',')}`).toBe(true)
    const scores = peers.flatMap(peer => peers.filter(p => p !== peer).map(other => peer.libp2p.services.pubsub.getScore(other.peerId)))
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0)
  }, 120_000)
})
