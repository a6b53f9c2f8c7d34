import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { TopicValidatorResult } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { createLibp2p } from 'libp2p'
import { SCORE_THRESHOLDS } from './access/score.js'
import type { GossipHandler, Gossip } from './util/gossip.js'
import type { GossipsubEvents } from '@chainsafe/libp2p-gossipsub'
import type { KadDHT } from '@libp2p/kad-dht'
import type { ConnectionGater, Libp2p, PubSub } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import type { Libp2pOverrides } from './options.js'

/** How long libp2p's connection monitor lets a ping take before it aborts the connection. */
const CONNECTION_PING_TIMEOUT_MS = 20_000
/** Ping streams one peer may open to another at once (see the ping service below). */
const PING_STREAMS = 4

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

/** How the access layer (src/access/) steers the stack: a gossip score per peer and a gater for banned peers. */
export interface NodeGuard {
  score: (peer: string) => number
  gater: ConnectionGater
}

/**
 * The libp2p stack every meshcache peer runs: Noise, yamux, identify (which
 * gossipsub needs), ping (which kad-dht needs), gossipsub and kad-dht in
 * server mode. `overrides` (the `libp2p` option) is spread last, services
 * merged, connection gaters composed. The node is created stopped: the cache
 * registers its protocols first, so no peer ever finds it half-ready (a
 * handshake refused for want of a handler would get this peer banned).
 */
export async function createMeshNode (mesh: string, platform: PlatformOptions, overrides: Libp2pOverrides = {}, dhtClient = false, guard?: NodeGuard): Promise<MeshNode> {
  const { services, connectionGater, ...rest } = overrides
  const node = await createLibp2p<MeshServices>({
    ...platform,
    connectionManager: {
      // libp2p refuses a host's 6th new inbound connection within a second,
      // and an 11th pending one: peers on one host, behind one NAT or a load
      // balancer all share an address (the secret test's dials were refused
      // mid-handshake). Misbehaving peers are banned by access/ instead.
      inboundConnectionThreshold: 100,
      maxIncomingPendingConnections: 100,
      ...platform.connectionManager
    },
    // libp2p pings every connection each 10 s and aborts it when a ping fails
    // or takes over 5 s. Tabs and relays starved of CPU (8 tabs on 2 cores)
    // took that long while working, and an aborted relay connection takes a
    // tab's reservation and every relayed connection with it. A ping may now
    // take 20 s; one the other end resets still aborts the connection, which
    // also clears dead ones (switching aborts off left gossipsub on them).
    connectionMonitor: { pingTimeout: { minTimeout: CONNECTION_PING_TIMEOUT_MS } },
    start: false,
    connectionGater: composeGaters(platform.connectionGater, connectionGater, guard?.gater),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // libp2p's connection monitor and kad-dht both ping over this one
      // protocol, and a slow ping's stream outlives the next one's start: at
      // the spec's 1 outbound / 2 inbound streams, the monitor's ping failed
      // at once and aborted a working connection (dozens per 8-tab test).
      ping: ping({ maxOutboundStreams: PING_STREAMS, maxInboundStreams: 2 * PING_STREAMS }),
      pubsub: gossipsub({
        // Membership heartbeats go out before anyone else has subscribed.
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        // 200 ms meshes form in ~0.6 s instead of ~2.2 s (LIBP2P-NOTES.md).
        heartbeatInterval: 200,
        fallbackToFloodsub: false,
        // Not on relayed ("limited") connections: gossipsub keeps a peer's
        // stream on the first connection it saw, and a tab pair's first is
        // relayed, so all gossip between tabs went through the relay twice
        // encrypted long after WebRTC was up (js-libp2p#3531), and stopped
        // when the relay connection dropped. Until the direct connection is
        // up, tabs gossip through the relay, which is a peer of every topic.
        runOnLimitedConnection: false,
        // Unproven and penalized peers score low enough that gossipsub stops
        // sending to them, and (once penalized) stops listening (access/score.ts).
        scoreParams: guard != null ? { appSpecificScore: guard.score, appSpecificWeight: 1 } : {},
        scoreThresholds: SCORE_THRESHOLDS
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
  node.logger.forComponent('meshcache:libp2p')('created %p for mesh %s: kad-dht as %s, %s', node.peerId, mesh,
    dhtClient ? 'client' : 'server', guard != null ? 'access scores and gates peers' : 'no access guard')
  return node
}

/**
 * Deny hooks deny when any gater denies; filterMultiaddrForPeer keeps an
 * address only when every gater keeps it. Hooks no gater has are left to
 * libp2p's defaults (a browser's refuses private addresses).
 */
export function composeGaters (...gaters: Array<ConnectionGater | undefined>): ConnectionGater {
  const present = gaters.filter((g): g is ConnectionGater => g != null)
  const composed: Record<string, (...args: any[]) => Promise<boolean>> = {}
  for (const name of new Set(present.flatMap(g => Object.keys(g)))) {
    const hooks = present.filter(g => typeof (g as any)[name] === 'function')
    const keeps = name === 'filterMultiaddrForPeer'
    composed[name] = async (...args: any[]) => {
      for (const gater of hooks) {
        const answer = await (gater as any)[name](...args) as boolean
        if (answer !== keeps) return answer
      }
      return keeps
    }
  }
  return composed as ConnectionGater
}

/**
 * Adapts libp2p pubsub to the narrow Gossip interface, one handler set per
 * topic. With `accept`, each topic gets a validator: a message it refuses is
 * neither delivered nor forwarded (gossipsub's IGNORE, no score penalty).
 */
export function gossipOf (node: MeshNode, accept?: (from: string, via: string) => boolean): Gossip {
  const log = node.logger.forComponent('meshcache:libp2p')
  const pubsub = node.services.pubsub
  const handlers = new Map<string, Set<GossipHandler>>()
  pubsub.addEventListener('message', evt => {
    const message = evt.detail
    if (message.type !== 'signed') {
      // We only trust messages whose sender is proven.
      log.trace('ignored an unsigned gossip message on %s', message.topic)
      return
    }
    const set = handlers.get(message.topic)
    if (set == null) return
    const from = message.from.toString()
    for (const handler of set) {
      try {
        handler(message.data, from)
      } catch (err) {
        // A handler's bug must not stop delivery to the others.
        log.error('a handler of %s threw on a message from %p: %e', message.topic, message.from, err)
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
        if (accept != null) {
          pubsub.topicValidators.set(topic, (via, message) =>
            message.type === 'signed' && accept(message.from.toString(), via.toString()) ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore)
        }
        pubsub.subscribe(topic)
      }
      set.add(handler)
      return () => {
        set.delete(handler)
        if (set.size === 0) {
          handlers.delete(topic)
          pubsub.topicValidators.delete(topic)
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
