import { peerIdFromString } from '@libp2p/peer-id'
import { Access } from './access/access.js'
import { Penalties } from './access/penalties.js'
import { Channels } from './channels.js'
import { HybridClock } from './hlc.js'
import { Invalidator } from './invalidation/invalidator.js'
import { NearCache } from './invalidation/near-cache.js'
import { OncePerVersion } from './invalidation/once.js'
import { gossipOf, isRelayed } from './libp2p.js'
import { DnsDiscovery, FoundPeers } from './membership/discovery.js'
import { Liveness } from './membership/liveness.js'
import { Membership } from './membership/membership.js'
import { FanOut } from './operations/fan-out.js'
import { GetOperation } from './operations/get.js'
import { ReadThroughOperation } from './operations/get-or-load.js'
import { handlerTable, operationHandlers } from './operations/handlers.js'
import { invalidationRecipients, sendInvalidations, serveInvalidations } from './operations/invalidate.js'
import { LocalTier } from './operations/local.js'
import { KeyspaceOperations } from './operations/keyspaces.js'
import { ping } from './operations/ping.js'
import { MeshRequests } from './operations/requests.js'
import { SetOperation } from './operations/set.js'
import { Ownership, Stillness } from './ownership/index.js'
import { openStream } from './protocol/open-stream.js'
import { Rpc } from './protocol/rpc.js'
import { Rebalance } from './rebalance/index.js'
import { Persister } from './persist/persister.js'
import { Store } from './store/index.js'
import { entryId } from './values.js'
import type { MeshNode } from './libp2p.js'
import type { GossipMac } from './util/envelope.js'
import type { PersistDb } from './persist/persister.js'
import type { OperationComponents } from './operations/components.js'
import { DEFAULT_DNS_PORT } from './options.js'
import type { ResolvedOptions } from './options.js'
import type { Op } from './protocol/frame.js'
import type { OpHandler, RpcComponents } from './protocol/rpc.js'

/** Every part of one peer. buildParts makes them and wires them to each other; MeshCache starts and stops them. */
export interface Parts {
  node: MeshNode
  options: ResolvedOptions
  access: Access
  components: OperationComponents
  membership: Membership
  discovery: DnsDiscovery
  /** With `persist`: writes the store behind to disk, and loads it at start. */
  persister?: Persister
  invalidator: Invalidator
  rpc: Rpc
  ownership: Ownership
  rebalance: Rebalance
  channels: Channels
  ops: { get: GetOperation, set: SetOperation, readThrough: ReadThroughOperation, local: LocalTier, keyspaceOps: KeyspaceOperations }
  /** The op → handler table every request, remote or to this peer itself, is served from. */
  handlers: Map<Op, OpHandler>
  /** Where `invalidate`, `member:join` and `member:leave` are dispatched: MeshCache sets itself, and whether a type has listeners. */
  events: { target?: EventTarget, heard?: (type: string) => boolean }
  /** Set by MeshCache: whether the peer has joined and is not stopping. */
  lifecycle: { running: boolean, startedAt: number }
  /** The node's protocol plumbing, shared by the Rpc and Access: handlers, and streams that race connections (open-stream.ts). */
  streams: Pick<RpcComponents, 'handle' | 'unhandle' | 'openStream'>
}

/** The least a view must be left alone before a read asks one owner (Stillness). */
const SETTLE_MIN_MS = 5_000

/** Alone (the fuzz harness), a peer has no secret; createCacheOn builds the Access before the node. */
export function defaultAccess (options: ResolvedOptions): Access {
  return new Access({
    mesh: options.mesh, timeoutMs: options.requestTimeoutMs, penalties: new Penalties(), maxInvalidationsPerSecond: options.limits.maxInvalidationsPerSecond
  })
}

/** `gossipMac`: the mesh key's MAC over gossip, with a secret (createCacheOn derives it with the handshake's). */
export function buildParts (node: MeshNode, options: ResolvedOptions, access = defaultAccess(options), gossipMac?: GossipMac, db?: PersistDb): Parts {
  const self = node.peerId.toString()
  const { logger } = node
  const lifecycle = { running: false, startedAt: Date.now() }
  const events: Parts['events'] = {}
  const emit = (type: string, detail: unknown): void => { events.target?.dispatchEvent(new CustomEvent(type, { detail })) }
  const now = Date.now
  // Without a secret no MAC and no filter: gossip costs only its envelope.
  const gossip = gossipOf(node, { mac: gossipMac, accept: access.secret ? (from, via) => access.acceptGossip(from, via) : undefined })
  let persister: Persister | undefined
  const store = new Store({ now, onChange: db === undefined ? undefined : (keyspace, key) => { persister!.changed(keyspace, key) } })
  const near = new NearCache({ ...options.nearCache, now, onChange: db === undefined ? undefined : id => { persister!.nearChanged(id) } })
  if (db !== undefined) persister = new Persister({ store, near, logger, now }, db)
  const clock = new HybridClock(now)
  const once = new OncePerVersion()
  const ownership = new Ownership(options)
  // Reads ask one owner once no member came or went for the hand-off grace
  // (rebalance/ waits as long before it drops handed-off keys), and at least
  // SETTLE_MIN_MS: peers run other heartbeats than this one (a relay at 500 ms,
  // tabs at 1 s), so they hear of a change later, and only then copy a gone
  // peer's keys to their new owners.
  const stillness = new Stillness(Math.max(SETTLE_MIN_MS, options.heartbeatMs * options.missedHeartbeats), now)
  const invalidator = new Invalidator({
    near,
    logger,
    recipients: () => invalidationRecipients(self, rpc, membership),
    send: (items, to) => { sendInvalidations(rpc, items, to) }
  }, {
    incarnation: lifecycle.startedAt,
    onInvalidate: (item, owner) => {
      clock.observe(item.version)
      if (events.heard?.('invalidate') !== false && once.first(entryId(item.keyspace, item.key), item.version)) emit('invalidate', { ...item, owner })
    },
    admit: (owner, items) => access.admitInvalidations(owner, items)
  })
  const liveness = new Liveness({
    ping: async (peer, timeoutMs) => ping(requests, peer, timeoutMs),
    peerStore: node.peerStore,
    banned: peer => access.banned(peer),
    running: () => lifecycle.running,
    logger
  }, options)
  const membership: Membership = new Membership({
    gossip,
    probe: async peer => liveness.probe(peer),
    redial: async member => liveness.redial(member),
    logger
  }, {
    mesh: options.mesh,
    self: { peerId: self, role: options.role, weight: options.weight, incarnation: lifecycle.startedAt },
    heartbeatMs: options.heartbeatMs,
    missedHeartbeats: options.missedHeartbeats,
    addrs: () => node.getMultiaddrs().map(String),
    load: () => store.stats().keys,
    onJoin: (member, rejoined) => {
      stillness.disturb()
      // A member vouched for by another (a JOIN reply) still proves itself to us.
      access.meet(member.peerId)
      void liveness.learnAddrs(member)
      ownership.rebuild([membership.self, ...membership.members()])
      emit('member:join', member)
      rebalance.joined(member, rejoined)
    },
    onLeave: (member, reason) => {
      // A crash is heard at different moments around the mesh, and its keys are copied to their new owners only then.
      stillness.disturb(reason === 'dead' ? 2 : 1)
      const before = ownership.current
      ownership.rebuild([membership.self, ...membership.members()])
      ownership.forget(member.peerId)
      // A restart is followed at once by the new incarnation's join (on the same
      // channel, often carrying its JOIN): keep the channel, and let the join's
      // push refill it rather than copying its keys elsewhere first.
      if (reason !== 'restart') rpc.disconnect(member.peerId)
      invalidator.forget(member.peerId)
      near.dropOwner(member.peerId)
      emit('member:leave', { peerId: member.peerId, role: member.role, reason })
      rebalance.left(member, reason, before)
    },
    onAddrs: member => { void liveness.learnAddrs(member) }
  })
  const streams: Parts['streams'] = {
    handle: async (protocol, handler, opts) => { await node.handle(protocol, handler, opts) },
    unhandle: async protocol => { await node.unhandle(protocol) },
    // A member's announced addresses as well as the peer store's (identify can replace them with an older signed record).
    openStream: async (peer, protocol) => openStream(node, peer, protocol, options.requestTimeoutMs, membership.get(peer)?.addrs ?? [])
  }
  const rpc: Rpc = new Rpc({ ...streams, logger }, {
    timeoutMs: options.requestTimeoutMs,
    maxFrameBytes: options.maxValueBytes + 1024 * 1024,
    maxItems: 100_000,
    maxInFlightPerPeer: options.limits.maxInFlightPerPeer,
    access: access.secret
      ? { allowed: peer => access.allowed(peer), verify: async peer => access.verify(peer), refused: () => { access.refusedRequest() } }
      : undefined,
    // An answer proves a member alive as well as its heartbeat does (gossip lags on a busy machine).
    onAnswer: peer => { membership.touch(peer) },
    onMisbehaviour: (peer, err) => {
      components.counters.misbehaving++
      access.misbehaved(peer, err)
    }
  })
  const requests = new MeshRequests({ self, rpc })
  const view = {
    owners: (keyspace: string, key: string) => ownership.owners(keyspace, key),
    successors: (keyspace: string, key: string) => ownership.successors(keyspace, key),
    viewId: () => ownership.viewId,
    onChange: (listener: () => void) => { ownership.onChange(listener) },
    isMember: (peer: string) => membership.has(peer),
    stable: () => stillness.still && !rebalance.settling(),
    disturbed: () => { stillness.disturb() }
  }
  const partial = { self, settings: options, store, near, clock, invalidator, requests, view, now, logger }
  const components: OperationComponents = {
    ...partial,
    fanOut: new FanOut(partial),
    counters: { hits: 0, misses: 0, loads: 0, sets: 0, deletes: 0, misbehaving: 0 },
    keyspaces: new Map()
  }
  const ops = {
    get: new GetOperation(components),
    set: new SetOperation(components),
    readThrough: new ReadThroughOperation(components),
    local: new LocalTier(components),
    keyspaceOps: new KeyspaceOperations({ ...components, members: () => membership.members().map(m => m.peerId) })
  }
  const connected = (peer: string): boolean => node.getConnections(peerIdFromString(peer)).length > 0
  const rebalance: Rebalance = new Rebalance({ ...components, membership, ownership, connected }, options)
  const handlers = handlerTable([operationHandlers({ ...ops, keyspaces: ops.keyspaceOps, apply: components }), rebalance.handlers()], peer => { membership.touch(peer) })
  requests.serveLocally(handlers)
  for (const [op, handler] of handlers) rpc.on(op, handler)
  serveInvalidations(rpc, invalidator, logger.forComponent('meshcache:invalidation'))
  ownership.rebuild([membership.self])

  node.addEventListener('peer:disconnect', evt => {
    access.disconnected(evt.detail.toString())
    membership.connectionClosed(evt.detail.toString())
  })
  node.addEventListener('connection:open', evt => {
    const peer = evt.detail.remotePeer
    access.meet(peer.toString())
    // A direct connection to a peer we reached through the relay: requests
    // move to it (the old channel finishes what it carries).
    if (!isRelayed(evt.detail.remoteAddr) && node.getConnections(peer).some(c => isRelayed(c.remoteAddr))) rpc.retire(peer.toString())
  })
  const channels = new Channels({ gossip, logger }, options)
  const discovery = new DnsDiscovery({
    self,
    dial: async (addr, opts) => node.dial(addr, opts),
    connected,
    ownAddresses: () => node.getMultiaddrs().map(String),
    // createCacheOn refuses dns names on a platform without a resolver.
    resolve: options.discovery.resolve ?? (async () => []),
    logger
  }, { names: options.discovery.dns, defaultPort: DEFAULT_DNS_PORT, intervalMs: options.discovery.intervalMs, timeoutMs: options.requestTimeoutMs })
  const found = new FoundPeers({
    self,
    dial: async peer => node.dial(peerIdFromString(peer)),
    connected,
    logger
  })
  // Only for the discovery services the options turned on: nothing else should make this peer dial.
  if (options.discovery.mdns) node.addEventListener('peer:discovery', event => { found.found(event.detail.id.toString()) })
  return { node, options, access, components, membership, discovery, persister, invalidator, rpc, ownership, rebalance, channels, ops, handlers, events, lifecycle, streams }
}
