import { peerIdFromString } from '@libp2p/peer-id'
import { ErrorCodes, MeshCacheError } from './errors.js'
import { Keyspace, configureKeyspace } from './keyspace.js'
import { dialSeeds } from './membership/seeds.js'
import { ping } from './operations/ping.js'
import { statusOf } from './status.js'
import type { InvalidationItem } from './invalidation/invalidator.js'
import type { MeshNode } from './libp2p.js'
import type { LeaveReason, Role } from './membership/member.js'
import type { Loader } from './operations/components.js'
import type { KeyspaceOptions } from './options.js'
import type { Parts } from './parts.js'
import type { CacheStatus } from './status.js'
import { ListenedTypes } from './util/listened.js'
import { checkName } from './values.js'
import type { Value } from './values.js'
import type { GetOrLoadOptions, SetManyEntry, SetOptions } from './keyspace.js'
import type { Logger } from '@libp2p/interface'

export type { CacheStatus, MemberStatus } from './status.js'
export type { KeyspaceOptions } from './options.js'
export interface InvalidateDetail extends InvalidationItem { owner: string }
export interface MemberLeaveDetail { peerId: string, role: Role, reason: LeaveReason }

const DEFAULT_KEYSPACE = 'default'

/**
 * A peer of a meshcache mesh. buildParts (parts.ts) makes the parts and wires
 * them to each other; this class starts and stops them in order and forwards
 * the public calls.
 */
export class MeshCache extends EventTarget {
  readonly peerId: string
  private readonly parts: Parts
  private readonly log: Logger
  private readonly defaultKeyspace: Keyspace
  private state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting'
  private stopping?: Promise<void>

  private readonly listened = new ListenedTypes()

  constructor (parts: Parts) {
    super()
    this.parts = parts
    this.peerId = parts.node.peerId.toString()
    this.log = parts.node.logger.forComponent('meshcache:cache')
    // One event per item on the hot path of invalidations: the parts dispatch on this cache itself.
    parts.events.target = this
    parts.events.heard = type => this.listened.has(type)
    this.defaultKeyspace = this.keyspaceHandle(DEFAULT_KEYSPACE)
  }

  override addEventListener (type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options)
    this.listened.added(type, listener, options)
  }

  override removeEventListener (type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener, options)
    this.listened.removed(type, listener)
  }

  /**
   * Starts serving and joins the mesh through the bootstrap peers.
   * `beforeJoin` runs once the seeds are connected: a tab waits there for its
   * relay reservation, so the members it joins learn an address to reach it.
   */
  async start (beforeJoin?: () => Promise<void>): Promise<void> {
    const { access, node, rpc, membership, discovery, persister, invalidator, rebalance, options, streams } = this.parts
    // What was on disk is in the store before anyone can ask for it, and before the join reconciles it with the mesh.
    const restored = await persister?.load() ?? 0
    // Protocols first, then the node (created stopped): no peer finds it half-ready.
    await access.start({
      self: this.peerId,
      handle: streams.handle,
      openStream: streams.openStream,
      // Never throws into the caller (a frame reader): a hang-up that fails leaves the peer to the gater.
      hangUp: peer => {
        node.hangUp(peerIdFromString(peer)).catch((err: Error) => { this.log('hanging up on %s failed: %s', peer, err.message) })
      },
      onRejected: peer => { membership.remove(peer, 'dead') },
      logger: node.logger
    })
    await rpc.start()
    await node.start()
    invalidator.start()
    membership.start()
    const bootstrapped = await dialSeeds({ self: this.peerId, dial: async (addr, opts) => node.dial(addr, opts), logger: node.logger }, options.bootstrap, options.requestTimeoutMs)
    // Found peers are seeds too; finding none is how the first peer of a mesh starts.
    const seeds = [...new Set([...bootstrapped, ...await discovery.start()])]
    await beforeJoin?.()
    if (await rebalance.join(seeds) === 0 && seeds.length > 0) {
      if (seeds.some(seed => rpc.refused(seed))) {
        throw new MeshCacheError(ErrorCodes.UNAUTHORIZED, `the bootstrap peers of mesh ${JSON.stringify(options.mesh)} and this peer did not prove the same mesh secret to each other`)
      }
      throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `no bootstrap peer let this peer join mesh ${JSON.stringify(options.mesh)}`)
    }
    this.state = 'running'
    this.parts.lifecycle.running = true
    membership.joined()
    rebalance.start(restored > 0)
    this.log('%s joined mesh %s with %d member(s)', this.peerId, options.mesh, membership.members().length)
  }

  get multiaddrs (): string[] {
    return this.parts.node.getMultiaddrs().map(String)
  }

  /** The libp2p node underneath, for advanced use (its own services and events). */
  get libp2p (): MeshNode {
    return this.parts.node
  }

  get (key: string): Promise<Value | undefined> { return this.defaultKeyspace.get(key) }
  peek (key: string): Value | undefined { return this.defaultKeyspace.peek(key) }
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
    configureKeyspace(this.parts.components.keyspaces, this.parts.components.store, name, options)
    return this.keyspaceHandle(name)
  }

  /** Names of the keyspaces anywhere in the mesh. */
  async keyspaces (): Promise<string[]> {
    this.guard()
    return this.parts.ops.keyspaceOps.list()
  }

  /** Empties a keyspace on every member; resolves with how many members confirmed. */
  async dropKeyspace (name: string): Promise<number> {
    this.guard()
    checkName(name, 'keyspace')
    this.parts.components.keyspaces.delete(name)
    return this.parts.ops.keyspaceOps.drop(name)
  }

  /** Round-trip time to a member, in ms. */
  async ping (peerId: string): Promise<number> {
    this.guard()
    return ping(this.parts.components.requests, peerId)
  }

  /** Listens on a pub/sub channel of this mesh; returns the function that stops listening. */
  subscribe (channel: string, handler: (data: Value, from: string) => void): () => void {
    this.guard()
    return this.parts.channels.subscribe(channel, handler)
  }

  async publish (channel: string, data: Value): Promise<void> {
    this.guard()
    await this.parts.channels.publish(channel, data)
  }

  async status (): Promise<CacheStatus> {
    const { components, membership, invalidator, access, persister, options, lifecycle } = this.parts
    return statusOf({ ...components, membership, invalidator, access, persister }, options.mesh, lifecycle.startedAt)
  }

  /** Keys this peer holds in a keyspace (introspection for operators and tests). */
  localKeys (keyspace = DEFAULT_KEYSPACE): string[] {
    return [...this.parts.components.store.entries(keyspace)].map(([, key]) => key)
  }

  /** Graceful stop: hands owned keys to their next owners, says goodbye, shuts down. */
  async stop (): Promise<void> {
    this.stopping ??= this.shutdown()
    return this.stopping
  }

  private async shutdown (): Promise<void> {
    const { rebalance, membership, discovery, persister, invalidator, rpc, access, ops, node, components } = this.parts
    this.state = 'stopping'
    this.parts.lifecycle.running = false
    ops.local.close()
    this.log('stopping')
    discovery.stop()
    // Before the hand-off, which drops what it hands over: the disk keeps what this peer held, for its restart.
    await persister?.stop()
    await rebalance.stop()
    await membership.stop()
    invalidator.stop()
    // Channels close first, so remote askers see ERR_UNAVAILABLE and fail over.
    await rpc.stop()
    access.stop()
    ops.readThrough.stop()
    await node.stop()
    components.store.clear()
    components.near.clear()
    this.state = 'stopped'
  }

  private keyspaceHandle (name: string): Keyspace {
    const { components, ops: { get, set, readThrough, local } } = this.parts
    return new Keyspace({ ...components, get, set, readThrough, local, guard: this.guard }, name)
  }

  /** Throws ERR_CLOSED once the cache is stopping. An arrow, handed to every keyspace as it is: a local hit calls it with no hop in between. */
  private readonly guard = (): void => {
    if (this.state === 'stopping' || this.state === 'stopped') {
      throw new MeshCacheError(ErrorCodes.CLOSED, 'the cache is stopped')
    }
  }

}
