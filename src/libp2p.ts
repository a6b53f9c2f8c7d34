import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { StrictNoSign, TopicValidatorResult } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { createLibp2p } from 'libp2p'
import { SCORE_THRESHOLDS } from './access/score.js'
import { Sealer, fastMessageId, latin1, messageId, open } from './util/envelope.js'
import { isPeerId } from './util/peer-id.js'
import { sendYamuxWindowUpdatesAtHalf } from './util/yamux-window.js'
import type { GossipMac, Opened } from './util/envelope.js'
import type { GossipHandler, Gossip } from './util/gossip.js'
import type { GossipsubEvents } from '@chainsafe/libp2p-gossipsub'
import type { ConnectionGater, Libp2p, Message, PubSub } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import type { Libp2pOverrides } from './options.js'

/**
 * How often libp2p's connection monitor pings each connection (its default is
 * 10 s). Each ping opens a stream and writes its round trip to the peer store
 * (~1-2 ms of CPU for both ends): in a mesh where every peer is connected to
 * every other that is N² pings, and 32 idle peers spent 0.14 cores on them
 * at 10 s; at 30 s the pings of connections opened together still made a
 * burst that was a quarter of a 10 s idle window's CPU. Members' liveness
 * comes from heartbeats, answers and connection events (membership/); the
 * monitor is left only to reclaim connections that died without a word.
 */
const CONNECTION_PING_INTERVAL_MS = 120_000
/** How long libp2p's connection monitor lets a ping take before it aborts the connection. */
const CONNECTION_PING_TIMEOUT_MS = 20_000
/** Ping streams one peer may open to another at once (see the ping service below). */
const PING_STREAMS = 4

// A type alias, not an interface: libp2p's ServiceMap needs an index signature.
export type MeshServices = {
  identify: unknown
  ping: unknown
  pubsub: PubSub<GossipsubEvents>
}

export type MeshNode = Libp2p<MeshServices>

/** What a platform entry (node/ or browser/) brings: its transports and addresses. */
export type PlatformOptions = Pick<Libp2pOptions<MeshServices>, 'transports' | 'addresses' | 'connectionGater' | 'connectionManager' | 'peerDiscovery'>

/** How the access layer (src/access/) steers the stack: a gossip score per peer and a gater for banned peers. */
export interface NodeGuard {
  score: (peer: string) => number
  gater: ConnectionGater
}

/**
 * The libp2p stack every meshcache peer runs: Noise, yamux, identify (which
 * gossipsub needs), ping (which the connection monitor needs) and gossipsub.
 * No kad-dht: meshcache finds owners in its own view (ownership/), and
 * kad-dht's routing table dials every peer it hears of to check it (~800
 * dials per process of 12 peers as 100 started at once, most of the start's
 * CPU); an application that wants it adds it as a service. `overrides` (the
 * `libp2p` option) is spread last, services merged, connection gaters composed. The node is created stopped: the cache
 * registers its protocols first, so no peer ever finds it half-ready (a
 * handshake refused for want of a handler would get this peer banned).
 */
export async function createMeshNode (mesh: string, platform: PlatformOptions, overrides: Libp2pOverrides = {}, guard?: NodeGuard): Promise<MeshNode> {
  sendYamuxWindowUpdatesAtHalf()
  const { services, connectionGater, ...rest } = overrides
  const node = await createLibp2p<MeshServices>({
    ...platform,
    connectionManager: {
      // libp2p refuses a host's 6th new inbound connection within a second,
      // and an 11th pending one: peers on one host, behind one NAT or a load
      // balancer all share an address (the secret test's dials were refused
      // mid-handshake; at 100 a second, 100 peers started at once on one host
      // could not reach their seed). Misbehaving peers are banned by access/.
      inboundConnectionThreshold: 1_000,
      maxIncomingPendingConnections: 300,
      ...platform.connectionManager
    },
    // libp2p pings every connection (each 120 s here) and aborts it when a ping
    // fails or takes over 5 s. Tabs and relays starved of CPU (8 tabs on 2 cores)
    // took that long while working, and an aborted relay connection takes a
    // tab's reservation and every relayed connection with it. A ping may now
    // take 20 s; one the other end resets still aborts the connection, which
    // also clears dead ones (switching aborts off left gossipsub on them).
    connectionMonitor: { pingInterval: CONNECTION_PING_INTERVAL_MS, pingTimeout: { minTimeout: CONNECTION_PING_TIMEOUT_MS } },
    start: false,
    connectionGater: composeGaters(platform.connectionGater, connectionGater, guard?.gater),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // A slow ping's stream can outlive the next one's start (the connection
      // monitor's, and any a user's service sends): at the spec's 1 outbound /
      // 2 inbound streams, the monitor's ping failed at once and aborted a
      // working connection (dozens per 8-tab test).
      ping: ping({ maxOutboundStreams: PING_STREAMS, maxInboundStreams: 2 * PING_STREAMS }),
      pubsub: gossipsub({
        // Membership heartbeats go out before anyone else has subscribed.
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        // Every copy of a message costs ~0.25 ms of the stack per side here
        // (noise, yamux, framing), and flood publishing already hands each one
        // to every peer its origin is connected to, which in a cache mesh is
        // nearly all: the mesh only has to reach the rest. With gossipsub's
        // D=6 each peer received each heartbeat ~5 times; 32 idle peers in one
        // process used 0.55 cores at D=6 and a 200 ms heartbeat, 0.32 with
        // these (bench/README.md). Meshes form within a second or two; flood
        // publishing does not wait for them.
        heartbeatInterval: 1_000,
        D: 2,
        Dlo: 2,
        Dhi: 3,
        Dout: 1,
        // IHAVE to one non-mesh peer per heartbeat: flood publishing and the
        // mesh deliver; lazy gossip only repairs, and at 2 it was a quarter of
        // an idle 32-peer mesh's RPCs.
        Dlazy: 1,
        gossipFactor: 0.05,
        fallbackToFloodsub: false,
        // No Ed25519 signature per message (~0.25 ms to sign, as much to
        // verify, here): the envelope names the origin, a MAC under the mesh
        // key proves membership (util/envelope.ts), and the id is origin + seq.
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: msg => messageId(msg.data),
        fastMsgIdFn: msg => msg.data != null ? fastMessageId(msg.data) : '',
        msgIdToStrFn: latin1,
        // Not on relayed ("limited") connections: gossipsub keeps a peer's
        // stream on the first connection it saw, and a tab pair's first is
        // relayed, so all gossip between tabs went through the relay twice
        // encrypted long after WebRTC was up (js-libp2p#3531), and stopped
        // when the relay connection dropped. Until the direct connection is
        // up, tabs gossip through the relay, which is a peer of every topic.
        runOnLimitedConnection: false,
        // Unproven and penalized peers score low enough that gossipsub stops
        // sending to them, and (once penalized) stops listening (access/score.ts).
        // Peers on one host, or behind one NAT or load balancer, are the normal
        // case for a cache mesh: gossipsub's colocation penalty (-5 per peer
        // past 10 on an address) graylisted them all and emptied the meshes.
        scoreParams: { IPColocationFactorWeight: 0, ...(guard != null ? { appSpecificScore: guard.score, appSpecificWeight: 1 } : {}) },
        scoreThresholds: SCORE_THRESHOLDS
      }),
      ...services
    } as any,
    ...rest
  })
  node.logger.forComponent('meshcache:libp2p')('created %p for mesh %s: %s', node.peerId, mesh,
    guard != null ? 'access scores and gates peers' : 'no access guard')
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

/** How gossip is checked: the MAC of a mesh with a secret, and who may be heard (access/). */
export interface GossipGuard {
  mac?: GossipMac
  /** false: the message is neither delivered nor forwarded (gossipsub's IGNORE, no score penalty). */
  accept?: (origin: string, via: string) => boolean
}

/** Origins seen to be peer ids; an origin that is not one would reach the ring. */
const MAX_KNOWN_ORIGINS = 10_000

/**
 * Adapts libp2p pubsub to the narrow Gossip interface, one handler set per
 * topic. Every message is an envelope (util/envelope.ts) naming its origin;
 * each topic's validator opens it, so a malformed one, a wrong MAC or an
 * origin that is not a peer id is rejected before it is delivered or
 * forwarded, and `accept` may ignore the rest.
 */
export function gossipOf (node: MeshNode, guard: GossipGuard = {}): Gossip {
  const log = node.logger.forComponent('meshcache:gossip')
  const self = node.peerId.toString()
  const pubsub = node.services.pubsub
  const sealer = new Sealer(self, guard.mac)
  const handlers = new Map<string, Set<GossipHandler>>()
  // The validator's work, for the delivery of the same message.
  const opened = new WeakMap<Message, Opened>()
  const origins = new Set<string>()
  const validate = (via: string, message: Message): TopicValidatorResult => {
    const envelope = open(message.topic, message.data, guard.mac)
    if (typeof envelope === 'string') {
      log('rejected a gossip message on %s via %s: %s', message.topic, via, envelope)
      return TopicValidatorResult.Reject
    }
    if (!origins.has(envelope.origin)) {
      if (!isPeerId(envelope.origin)) {
        log('rejected a gossip message on %s via %s: its origin is no peer id', message.topic, via)
        return TopicValidatorResult.Reject
      }
      if (origins.size >= MAX_KNOWN_ORIGINS) origins.clear()
      origins.add(envelope.origin)
    }
    if (envelope.origin === self || (guard.accept != null && !guard.accept(envelope.origin, via))) return TopicValidatorResult.Ignore
    opened.set(message, envelope)
    return TopicValidatorResult.Accept
  }
  pubsub.addEventListener('gossipsub:message', evt => {
    const { msg, propagationSource } = evt.detail
    const envelope = opened.get(msg)
    const set = handlers.get(msg.topic)
    if (envelope == null || set == null) return
    const via = propagationSource.toString()
    for (const handler of set) {
      try {
        handler(envelope.payload, envelope.origin, via)
      } catch (err) {
        // A handler's bug must not stop delivery to the others.
        log.error('a handler of %s threw on a message from %s: %e', msg.topic, envelope.origin, err)
      }
    }
  })
  return {
    publish: async (topic, data) => { await pubsub.publish(topic, sealer.seal(topic, data)) },
    subscribe: (topic, handler) => {
      let set = handlers.get(topic)
      if (set == null) {
        set = new Set()
        handlers.set(topic, set)
        pubsub.topicValidators.set(topic, (via, message) => validate(via.toString(), message))
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
