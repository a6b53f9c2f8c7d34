import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { createLibp2p } from 'libp2p'
import type { GossipHandler, Gossip } from './util/gossip.js'
import type { GossipsubEvents } from '@chainsafe/libp2p-gossipsub'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Libp2p, PubSub } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import type { Libp2pOverrides } from './options.js'

// A type alias, not an interface: libp2p's ServiceMap needs an index signature.
export type MeshServices = {
  identify: unknown
  ping: unknown
  pubsub: PubSub<GossipsubEvents>
  dht: KadDHT
}

export type MeshNode = Libp2p<MeshServices>

/** What a platform entry (node/ or browser/) brings: its transports and addresses. */
export type PlatformOptions = Pick<Libp2pOptions<MeshServices>, 'transports' | 'addresses' | 'connectionGater' | 'connectionManager'>

/**
 * The libp2p stack every meshcache peer runs: Noise, yamux, identify (which
 * gossipsub needs), ping (which kad-dht needs), gossipsub and kad-dht in
 * server mode. `overrides` (the `libp2p` option) is spread last, services merged.
 */
export async function createMeshNode (mesh: string, platform: PlatformOptions, overrides: Libp2pOverrides = {}, dhtClient = false): Promise<MeshNode> {
  const { services, ...rest } = overrides
  return createLibp2p<MeshServices>({
    ...platform,
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // Membership heartbeats go out before anyone else has subscribed.
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        // 200 ms meshes form in ~0.6 s instead of ~2.2 s (LIBP2P-NOTES.md).
        heartbeatInterval: 200,
        fallbackToFloodsub: false,
        // Tabs first meet over the relay; gossip must flow there too.
        runOnLimitedConnection: true
      }),
      dht: kadDHT({
        protocol: `/meshcache/${mesh}/kad/1.0.0`,
        // Servers answer DHT queries; a tab cannot be dialled directly, so it only asks.
        clientMode: dhtClient,
        // Meshes on one host or a LAN live on private addresses: keep them.
        peerInfoMapper: passthroughMapper
      }),
      ...services
    } as any,
    ...rest
  })
}

/** Adapts libp2p pubsub to the narrow Gossip interface, one handler set per topic. */
export function gossipOf (node: MeshNode): Gossip {
  const pubsub = node.services.pubsub
  const handlers = new Map<string, Set<GossipHandler>>()
  pubsub.addEventListener('message', evt => {
    const message = evt.detail
    if (message.type !== 'signed') return // we only trust messages whose sender is proven
    const set = handlers.get(message.topic)
    if (set == null) return
    const from = message.from.toString()
    for (const handler of set) {
      try {
        handler(message.data, from)
      } catch {
        // A handler's bug must not stop delivery to the others.
      }
    }
  })
  return {
    publish: async (topic, data) => { await pubsub.publish(topic, data) },
    subscribe: (topic, handler) => {
      let set = handlers.get(topic)
      if (set == null) {
        set = new Set()
        handlers.set(topic, set)
        pubsub.subscribe(topic)
      }
      set.add(handler)
      return () => {
        set.delete(handler)
        if (set.size === 0) {
          handlers.delete(topic)
          pubsub.unsubscribe(topic)
        }
      }
    }
  }
}

/** Whether a connection goes through a relay (a WebRTC connection set up through one is direct). */
export function isRelayed (remoteAddr: { toString: () => string }): boolean {
  const addr = remoteAddr.toString()
  return addr.includes('/p2p-circuit') && !addr.includes('/webrtc')
}
