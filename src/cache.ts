import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { LRUCache } from 'lru-cache'
import { Access } from './access/access.js'
import { Penalties } from './access/penalties.js'
import { ErrorCodes, MeshCacheError } from './errors.js'
import { HybridClock } from './hlc.js'
import { Invalidator } from './invalidation/invalidator.js'
import { NearCache } from './invalidation/near-cache.js'
import { Keyspace } from './keyspace.js'
import { gossipOf, isRelayed } from './libp2p.js'
import { Membership } from './membership/membership.js'
import { openStream } from './open-stream.js'
import { Batches } from './operations/batch.js'
import { handleDelete } from './operations/delete.js'
import { handleExpire } from './operations/expire.js'
import { handleGet } from './operations/get.js'
import { handleFill, handleLease } from './operations/get-or-load.js'
import { dropKeyspace, handleDropKeyspace, handleKeyspaces, listKeyspaces } from './operations/keyspaces.js'
import { LeaseTable } from './operations/leases.js'
import { handlePing, ping } from './operations/ping.js'
import { handOffAll, handleHandoff, handleJoin, handleLeave, join, pushTo, reReplicate, reconcile } from './operations/rebalance.js'
import { handleSet } from './operations/set.js'
import { OwnerLookup, Ring, kadIdOfPeer } from './ownership/index.js'
import { Op } from './protocol/frame.js'
import { Rpc } from './protocol/rpc.js'
import { Store } from './store/index.js'
import { topicOf } from './util/gossip.js'
import { checkName, checkTtl, decodeValue, encodeValue, entryId } from './values.js'
import type { AccessStatus } from './access/access.js'
import type { InvalidationItem } from './invalidation/invalidator.js'
import type { MeshNode } from './libp2p.js'
import type { LeaveReason, Member, Role } from './membership/member.js'
import type { Context, KeyspaceConfig, Loader } from './operations/context.js'
import type { ResolvedOptions } from './options.js'
import type { OpHandler } from './protocol/rpc.js'
import type { Gossip } from './util/gossip.js'
import type { Value } from './values.js'
import type { GetOrLoadOptions, SetManyEntry, SetOptions } from './keyspace.js'

export interface KeyspaceOptions {
  /** Byte budget of this keyspace on each peer (least recently used entries go first). */
  maxBytes?: number
  /** Default TTL of writes to this keyspace. */
  ttlMs?: number
  /** Loader used by getOrLoad when the call gives none. */
  load?: Loader
  /** Negative caching: how long getOrLoad remembers that the loader found nothing. Default 0 (never). */
  missTtlMs?: number
  /** Stale-while-revalidate: how long past its TTL getOrLoad still serves a value while one asker refreshes it. Default 0. */
  staleMs?: number
}

export interface MemberStatus {
  peerId: string
  role: Role
  weight: number
  addrs: string[]
  keys: number
  lastSeen: number
  self: boolean
}

export interface CacheStatus {
  peerId: string
  mesh: string
  role: Role
  members: MemberStatus[]
  keys: number
  bytes: number
  hits: number
  misses: number
  loads: number
  evictions: number
  near: { entries: number, hits: number, misses: number, hitRate: number }
  keyspaces: Record<string, { keys: number, bytes: number, maxBytes: number, evictions: number }>
  invalidationGaps: number
  misbehavingFrames: number
  /** Mesh secret and limits: verified peers, refusals, penalties (never the secret). */
  access: AccessStatus
  uptimeMs: number
}

export interface InvalidateDetail extends InvalidationItem { owner: string }
export interface MemberLeaveDetail { peerId: string, role: Role, reason: LeaveReason }

const DEFAULT_KEYSPACE = 'default'
const SEED_ROUNDS = 3
/** After a merge, the view must hold still this many heartbeats before the replicas are reconciled. */
const MERGE_SETTLE_BEATS = 10
const RECONCILE_ATTEMPTS = 3
const STRAY_SWEEP_BEATS = 4

/**
 * A peer of a meshcache mesh. It composes the parts — store, ownership,
 * membership, invalidation, protocol — and the operations over them; the
 * behaviour lives in those parts, this class only wires them together.
 */
export class MeshCache extends EventTarget {
  readonly peerId: string
  private readonly node: MeshNode
  private readonly options: ResolvedOptions
  private readonly access: Access
  private readonly ctx: Context
  private readonly gossip: Gossip
  private readonly defaultKeyspace: Keyspace
  private readonly kadIds = new Map<string, Uint8Array>()
  private readonly emitted = new LRUCache<string, bigint>({ max: 10_000 })
  private readonly startedAt = Date.now()
  private readonly lookup: OwnerLookup
  private state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting'
  private stopping?: Promise<void>
  private reconcileTimer?: ReturnType<typeof setTimeout>
  /** The view changed since strays were last sent to their owners. */
  private straysDirty = false
  private straysTimer?: ReturnType<typeof setInterval>

  /** `access` comes from createCacheOn, which builds it before the node; alone, this peer has no secret. */
  constructor (node: MeshNode, options: ResolvedOptions, access = new Access({
    mesh: options.mesh, timeoutMs: options.requestTimeoutMs, penalties: new Penalties(), maxInvalidationsPerSecond: options.limits.maxInvalidationsPerSecond
  })) {
    super()
    this.node = node
    this.options = options
    this.access = access
    this.peerId = node.peerId.toString()
    // Without a secret no filter at all: gossip costs what it did before.
    this.gossip = gossipOf(node, access.secret ? (from, via) => access.acceptGossip(from, via) : undefined)
    this.lookup = new OwnerLookup(options.mesh, options.replicas, new Ring([], options.virtualIds))

    const now = Date.now
    const store = new Store({ now })
    const near = new NearCache({ ...options.nearCache, now })
    const invalidator = new Invalidator({ gossip: this.gossip, near }, {
      mesh: options.mesh,
      incarnation: this.startedAt,
      onInvalidate: (item, owner) => { this.onInvalidate(item, owner) },
      admit: (owner, items) => access.admitInvalidations(owner, items)
    })
    const membership = new Membership({
      gossip: this.gossip,
      probe: async peer => this.probe(peer),
      redial: async member => this.redial(member)
    }, {
      mesh: options.mesh,
      self: { peerId: this.peerId, role: options.role, weight: options.weight, incarnation: this.startedAt },
      heartbeatMs: options.heartbeatMs,
      missedHeartbeats: options.missedHeartbeats,
      addrs: () => this.multiaddrs,
      load: () => store.stats().keys,
      onJoin: (member, rejoined) => { this.onJoin(member, rejoined) },
      onLeave: (member, reason) => { this.onLeave(member, reason) },
      onAddrs: member => { void this.learnAddrs(member) }
    })
    const rpc = new Rpc({
      handle: async (protocol, handler, opts) => { await node.handle(protocol, handler, opts) },
      unhandle: async protocol => { await node.unhandle(protocol) },
      openStream: async (peer, protocol) => openStream(node, peer, protocol, options.requestTimeoutMs, this.announcedAddrs(peer))
    }, {
      timeoutMs: options.requestTimeoutMs,
      maxFrameBytes: options.maxValueBytes + 1024 * 1024,
      maxItems: 100_000,
      maxInFlightPerPeer: options.limits.maxInFlightPerPeer,
      access: access.secret
        ? { allowed: peer => access.allowed(peer), verify: async peer => access.verify(peer), refused: () => { access.refusedRequest() } }
        : undefined,
      // An answer proves a member alive as well as its heartbeat does (gossip lags on a busy machine).
      onAnswer: peer => { this.ctx.membership.touch(peer) },
      onMisbehaviour: (peer, err) => {
        this.ctx.counters.misbehaving++
        access.misbehaved(peer, err)
      }
    })

    this.ctx = {
      self: this.peerId,
      settings: options,
      store,
      near,
      invalidator,
      membership,
      rpc,
      batches: new Batches(async (peer, frame) => rpc.request(peer, frame)),
      clock: new HybridClock(now),
      counters: { hits: 0, misses: 0, loads: 0, sets: 0, deletes: 0, misbehaving: 0 },
      keyspaces: new Map<string, KeyspaceConfig>(),
      handlers: new Map<Op, OpHandler>(),
      leases: new LeaseTable(options.leaseTimeoutMs, () => this.ctx.clock.tick()),
      loading: new Map(),
      transfers: new Map(),
      handedOff: new Map(),
      handOffGraceMs: options.heartbeatMs * options.missedHeartbeats,
      now,
      owners: (keyspace, key) => this.lookup.owners(keyspace, key),
      viewId: () => this.lookup.viewId,
      successors: (keyspace, key) => this.lookup.successors(keyspace, key),
      ownersIn: (ring, keyspace, key) => this.lookup.ownersIn(ring, keyspace, key)
    }
    this.registerHandlers()
    this.lookup.use(this.buildRing())
    this.defaultKeyspace = new Keyspace(this.ctx, DEFAULT_KEYSPACE, () => { this.guard() })
  }

  /**
   * Starts serving and joins the mesh through the bootstrap peers.
   * `beforeJoin` runs once the seeds are connected: a tab waits there for its
   * relay reservation, so the members it joins learn an address to reach it.
   */
  async start (beforeJoin?: () => Promise<void>): Promise<void> {
    const { ctx, access, node } = this
    // Protocols first, then the node (created stopped): no peer finds it half-ready.
    await access.start({
      self: this.peerId,
      handle: async (protocol, handler, opts) => { await node.handle(protocol, handler, opts) },
      openStream: async (peer, protocol) => openStream(node, peer, protocol, this.options.requestTimeoutMs, this.announcedAddrs(peer)),
      // Never throws into the caller (a frame reader): a hang-up that fails leaves the peer to the gater.
      hangUp: peer => { Promise.resolve().then(async () => { await node.hangUp(peerIdFromString(peer)) }).catch(() => {}) },
      onRejected: peer => { ctx.membership.remove(peer, 'dead') }
    })
    await ctx.rpc.start()
    node.addEventListener('peer:disconnect', evt => {
      access.disconnected(evt.detail.toString())
      ctx.membership.connectionClosed(evt.detail.toString())
    })
    node.addEventListener('connection:open', evt => {
      const peer = evt.detail.remotePeer
      access.meet(peer.toString())
      // A direct connection to a peer we reached through the relay: requests
      // move to it (the old channel finishes what it carries).
      if (!isRelayed(evt.detail.remoteAddr) && node.getConnections(peer).some(c => isRelayed(c.remoteAddr))) {
        ctx.rpc.retire(peer.toString())
      }
    })
    await node.start()
    ctx.invalidator.start()
    ctx.membership.start()
    const seeds = await this.dialSeeds()
    await beforeJoin?.()
    if (await join(ctx, seeds) === 0 && seeds.length > 0) {
      if (seeds.some(seed => ctx.rpc.refused(seed))) {
        throw new MeshCacheError(ErrorCodes.UNAUTHORIZED, `the bootstrap peers of mesh ${JSON.stringify(this.options.mesh)} and this peer did not prove the same mesh secret to each other`)
      }
      throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `no bootstrap peer let this peer join mesh ${JSON.stringify(this.options.mesh)}`)
    }
    this.state = 'running'
    ctx.membership.announce()
    // Keys left with a peer that no longer owns them (a push that failed, or
    // kept after a hand-off) go on to their owners every few heartbeats after
    // a view change, until none fail or wait.
    this.straysTimer = setInterval(() => {
      if (!(this.straysDirty || ctx.handedOff.size > 0) || this.state !== 'running') return
      this.straysDirty = false
      reconcile(ctx, true).then(done => { if (!done) this.straysDirty = true }, () => { this.straysDirty = true })
    }, this.options.heartbeatMs * STRAY_SWEEP_BEATS)
  }

  get multiaddrs (): string[] {
    return this.node.getMultiaddrs().map(String)
  }

  /** The libp2p node underneath, for advanced use (its own services and events). */
  get libp2p (): MeshNode {
    return this.node
  }

  get (key: string): Promise<Value | undefined> { return this.defaultKeyspace.get(key) }
  set (key: string, value: Value, options?: SetOptions): Promise<void> { return this.defaultKeyspace.set(key, value, options) }
  has (key: string): Promise<boolean> { return this.defaultKeyspace.has(key) }
  delete (key: string): Promise<boolean> { return this.defaultKeyspace.delete(key) }
  ttl (key: string): Promise<number | undefined> { return this.defaultKeyspace.ttl(key) }
  expire (key: string, ttlMs: number): Promise<boolean> { return this.defaultKeyspace.expire(key, ttlMs) }
  getOrLoad (key: string, loader?: Loader, options?: GetOrLoadOptions): Promise<Value | undefined> { return this.defaultKeyspace.getOrLoad(key, loader, options) }
  setMany (entries: Iterable<SetManyEntry>): Promise<void> { return this.defaultKeyspace.setMany(entries) }
  getMany (keys: string[]): Promise<Array<Value | undefined>> { return this.defaultKeyspace.getMany(keys) }
  deleteMany (keys: string[]): Promise<number> { return this.defaultKeyspace.deleteMany(keys) }
  ownersOf (key: string): string[] { return this.defaultKeyspace.ownersOf(key) }

  /** A handle on one keyspace; options configure it on this peer. */
  keyspace (name: string, options: KeyspaceOptions = {}): Keyspace {
    this.guard()
    checkName(name, 'keyspace')
    for (const option of ['ttlMs', 'missTtlMs', 'staleMs'] as const) {
      if (options[option] !== undefined) checkTtl(options[option], option)
    }
    if (options.maxBytes !== undefined && !(Number.isSafeInteger(options.maxBytes) && options.maxBytes >= 1)) {
      throw new MeshCacheError(ErrorCodes.INVALID_OPTION, 'maxBytes must be a positive integer')
    }
    if (options.load !== undefined && typeof options.load !== 'function') {
      throw new MeshCacheError(ErrorCodes.INVALID_OPTION, 'load must be a function')
    }
    const config = { ...this.ctx.keyspaces.get(name), ...options }
    this.ctx.keyspaces.set(name, config)
    if (config.maxBytes != null) this.ctx.store.configure(name, { maxBytes: config.maxBytes })
    return new Keyspace(this.ctx, name, () => { this.guard() })
  }

  /** Names of the keyspaces anywhere in the mesh. */
  async keyspaces (): Promise<string[]> {
    this.guard()
    return listKeyspaces(this.ctx)
  }

  /** Empties a keyspace on every member; resolves with how many members confirmed. */
  async dropKeyspace (name: string): Promise<number> {
    this.guard()
    checkName(name, 'keyspace')
    this.ctx.keyspaces.delete(name)
    return dropKeyspace(this.ctx, name)
  }

  /** Round-trip time to a member, in ms. */
  async ping (peerId: string): Promise<number> {
    this.guard()
    return ping(this.ctx, peerId)
  }

  /** Listens on a pub/sub channel of this mesh; returns the function that stops listening. */
  subscribe (channel: string, handler: (data: Value, from: string) => void): () => void {
    this.guard()
    checkName(channel, 'channel')
    return this.gossip.subscribe(topicOf(this.options.mesh, `chan/${channel}`), (data, from) => {
      try { handler(decodeValue(data), from) } catch { /* a bad message or handler stays local */ }
    })
  }

  async publish (channel: string, data: Value): Promise<void> {
    this.guard()
    checkName(channel, 'channel')
    await this.gossip.publish(topicOf(this.options.mesh, `chan/${channel}`), encodeValue(data, this.options.maxValueBytes))
  }

  async status (): Promise<CacheStatus> {
    const { ctx } = this
    const stats = ctx.store.stats()
    const near = ctx.near
    const nearLookups = near.hits + near.misses
    const self = ctx.membership.self
    return {
      peerId: this.peerId,
      mesh: this.options.mesh,
      role: this.options.role,
      members: [self, ...ctx.membership.members()].map(m => ({
        peerId: m.peerId, role: m.role, weight: m.weight, addrs: m.addrs, keys: m.keys, lastSeen: m.lastSeen, self: m.peerId === this.peerId
      })),
      keys: stats.keys,
      bytes: stats.bytes,
      hits: ctx.counters.hits,
      misses: ctx.counters.misses,
      loads: ctx.counters.loads,
      evictions: stats.evictions,
      near: { entries: near.size, hits: near.hits, misses: near.misses, hitRate: nearLookups === 0 ? 0 : near.hits / nearLookups },
      keyspaces: stats.keyspaces,
      invalidationGaps: ctx.invalidator.gaps,
      misbehavingFrames: ctx.counters.misbehaving,
      access: this.access.status(),
      uptimeMs: Date.now() - this.startedAt
    }
  }

  /** Keys this peer holds in a keyspace (introspection for operators and tests). */
  localKeys (keyspace = DEFAULT_KEYSPACE): string[] {
    return [...this.ctx.store.entries(keyspace)].map(([, key]) => key)
  }

  /** Graceful stop: hands owned keys to their next owners, says goodbye, shuts down. */
  async stop (): Promise<void> {
    this.stopping ??= this.shutdown()
    return this.stopping
  }

  private async shutdown (): Promise<void> {
    const { ctx } = this
    const wasRunning = this.state === 'running'
    this.state = 'stopping'
    clearTimeout(this.reconcileTimer)
    clearInterval(this.straysTimer)
    if (wasRunning) {
      const without = this.buildRing(this.peerId)
      const sent = await handOffAll(ctx, without).catch(() => new Map<string, bigint>())
      await Promise.allSettled(ctx.membership.members().map(async m => ctx.rpc.request(m.peerId, { op: Op.LEAVE }, 1_000)))
      // Writes from peers that did not know yet that this one was leaving.
      await handOffAll(ctx, without, sent).catch(() => {})
    }
    await ctx.membership.stop()
    ctx.invalidator.stop()
    // Channels close first, so remote askers see ERR_UNAVAILABLE and fail over.
    await ctx.rpc.stop()
    this.access.stop()
    ctx.leases.clear()
    await this.node.stop()
    ctx.store.clear()
    ctx.near.clear()
    this.state = 'stopped'
  }

  private guard (): void {
    if (this.state === 'stopping' || this.state === 'stopped') {
      throw new MeshCacheError(ErrorCodes.CLOSED, 'the cache is stopped')
    }
  }

  private registerHandlers (): void {
    const { ctx } = this
    const handlers: Array<[Op, OpHandler]> = [
      [Op.GET, async frame => handleGet(ctx, frame)],
      [Op.SET, async frame => handleSet(ctx, frame)],
      [Op.DELETE, async frame => handleDelete(ctx, frame)],
      [Op.EXPIRE, async frame => handleExpire(ctx, frame)],
      [Op.LEASE, async (frame, peer) => handleLease(ctx, frame, peer)],
      [Op.FILL, async (frame, peer) => handleFill(ctx, frame, peer)],
      [Op.JOIN, async (frame, peer) => handleJoin(ctx, frame, peer)],
      [Op.HANDOFF, async frame => handleHandoff(ctx, frame)],
      [Op.LEAVE, async (frame, peer) => handleLeave(ctx, frame, peer)],
      [Op.KEYSPACES, async () => handleKeyspaces(ctx)],
      [Op.DROP_KEYSPACE, async frame => handleDropKeyspace(ctx, frame)],
      [Op.PING, async () => handlePing()]
    ]
    for (const [op, handler] of handlers) {
      const counted: OpHandler = async (frame, peer) => {
        ctx.membership.touch(peer)
        return handler(frame, peer)
      }
      ctx.handlers.set(op, counted)
      ctx.rpc.on(op, counted)
    }
  }

  private buildRing (without?: string): Ring {
    const members = []
    const self = this.ctx.membership.self
    for (const member of [self, ...this.ctx.membership.members()]) {
      if (member.role !== 'owner' || member.peerId === without) continue
      members.push({ peerId: member.peerId, kadId: this.kadIdOf(member.peerId), weight: member.weight })
    }
    return new Ring(members, this.options.virtualIds)
  }

  private kadIdOf (peerId: string): Uint8Array {
    let id = this.kadIds.get(peerId)
    if (id == null) {
      id = kadIdOfPeer(peerIdFromString(peerId).toMultihash().bytes)
      this.kadIds.set(peerId, id)
    }
    return id
  }

  /** The addresses a member last announced (none for a peer that is no member, or before the cache is built). */
  private announcedAddrs (peer: string): string[] {
    return this.ctx?.membership.get(peer)?.addrs ?? []
  }

  private async learnAddrs (member: Member): Promise<void> {
    const addrs = member.addrs.flatMap(a => { try { return [multiaddr(a)] } catch { return [] } })
    await this.node.peerStore.merge(peerIdFromString(member.peerId), { multiaddrs: addrs }).catch(() => {})
  }

  private onJoin (member: Member, rejoined: boolean): void {
    // A member vouched for by another (a JOIN reply) still proves itself to us.
    this.access.meet(member.peerId)
    void this.learnAddrs(member)
    this.lookup.use(this.buildRing())
    this.straysDirty = true
    this.dispatchEvent(new CustomEvent('member:join', { detail: member }))
    if (member.role === 'owner' && this.state === 'running') pushTo(this.ctx, member.peerId, rejoined).catch(() => {})
    if (rejoined) this.reconcileLater()
  }

  /**
   * The pushes of a merge go out while the view is still filling, and may
   * fail; once no member has come back for a while, this peer's keys go to
   * all their owners (rebalance.ts, reconcile). Each rejoin restarts the wait;
   * a failed send, a few more times.
   */
  private reconcileLater (attempt = 1): void {
    clearTimeout(this.reconcileTimer)
    this.reconcileTimer = setTimeout(() => {
      if (this.state !== 'running') return
      reconcile(this.ctx).then(done => {
        if (!done && attempt < RECONCILE_ATTEMPTS) this.reconcileLater(attempt + 1)
      }, () => {})
    }, this.options.heartbeatMs * MERGE_SETTLE_BEATS)
  }

  private onLeave (member: Member, reason: LeaveReason): void {
    const before = this.lookup.current
    this.lookup.use(this.buildRing())
    this.straysDirty = true
    this.kadIds.delete(member.peerId)
    // A restart is followed at once by the new incarnation's join (on the same
    // channel, often carrying its JOIN): keep the channel, and let the join's
    // push refill it rather than copying its keys elsewhere first.
    if (reason !== 'restart') this.ctx.rpc.disconnect(member.peerId)
    this.ctx.invalidator.forget(member.peerId)
    this.ctx.near.dropOwner(member.peerId)
    const detail: MemberLeaveDetail = { peerId: member.peerId, role: member.role, reason }
    this.dispatchEvent(new CustomEvent('member:leave', { detail }))
    // A graceful leaver handed its keys off itself; a crashed one could not.
    if (reason === 'dead' && member.role === 'owner' && this.state === 'running') {
      reReplicate(this.ctx, before, this.lookup.current, member.peerId).catch(() => {})
    }
  }

  private onInvalidate (item: InvalidationItem, owner: string): void {
    this.ctx.clock.observe(item.version)
    // Every owner of a key announces the same write: tell listeners once.
    const id = entryId(item.keyspace, item.key)
    const last = this.emitted.get(id)
    if (last != null && last >= item.version) return
    this.emitted.set(id, item.version)
    const detail: InvalidateDetail = { ...item, owner }
    this.dispatchEvent(new CustomEvent('invalidate', { detail }))
  }

  /** A member is alive when it answers a meshcache PING (on any connection, dialling if needed). */
  private async probe (peer: string): Promise<boolean> {
    if (this.state !== 'running') return true
    try {
      await ping(this.ctx, peer, Math.min(2_000, this.options.requestTimeoutMs))
      return true
    } catch {
      return false
    }
  }


  /**
   * A member declared dead, dialled again at the addresses it last announced
   * (the peer store may have aged them out). A banned peer stays away.
   */
  private async redial (member: Member): Promise<boolean> {
    if (this.state !== 'running' || this.access.banned(member.peerId)) return false
    await this.learnAddrs(member)
    return this.probe(member.peerId)
  }

  /** Dials every bootstrap address; a few rounds, since a relay may be busy or restarting. */
  private async dialSeeds (): Promise<string[]> {
    const { bootstrap, requestTimeoutMs } = this.options
    const reached = new Set<string>()
    for (let round = 0; round < SEED_ROUNDS && bootstrap.length > 0 && reached.size === 0; round++) {
      if (round > 0) await new Promise(resolve => setTimeout(resolve, 500 * round))
      await Promise.all(bootstrap.map(async addr => {
        try {
          const connection = await this.node.dial(multiaddr(addr), { signal: AbortSignal.timeout(requestTimeoutMs) })
          if (connection.remotePeer.toString() !== this.peerId) reached.add(connection.remotePeer.toString())
        } catch {
          // Next round.
        }
      }))
    }
    if (bootstrap.length > 0 && reached.size === 0) {
      throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `none of the ${bootstrap.length} bootstrap peer(s) could be reached`)
    }
    return [...reached]
  }

}
