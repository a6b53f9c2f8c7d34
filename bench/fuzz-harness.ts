/**
 * A real MeshCache (buildParts' wiring, the handler table, the Rpc and its
 * Channels) on a fake libp2p node that reaches nobody: dials fail
 * at once, gossip goes nowhere, and inbound streams are in-memory pairs
 * (test/unit/fakes.ts) opened by the fuzzer as a remote peer would.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { defaultLogger } from '@libp2p/logger'
import { MeshCache } from '../src/cache.js'
import { resolveOptions } from '../src/options.js'
import { buildParts } from '../src/parts.js'
import { Channel } from '../src/protocol/channel.js'
import { PROTOCOL } from '../src/protocol/rpc.js'
import { streamPair } from '../test/unit/fakes.js'
import { MESH } from './fuzz-frames.js'
import type { MeshNode } from '../src/libp2p.js'
import type { Parts } from '../src/parts.js'
import type { Frame } from '../src/protocol/frame.js'
import type { FakeStream } from '../test/unit/fakes.js'
import type { Connection, PeerId, Stream } from '@libp2p/interface'

/** Small budgets so a case is quick: a lease passes on after 5 ms, a request times out after 200 ms. */
export const OPTIONS = resolveOptions({
  mesh: MESH,
  virtualIds: 4,
  maxValueBytes: 16 * 1024,
  requestTimeoutMs: 200,
  leaseTimeoutMs: 5,
  heartbeatMs: 60_000
})
/** The frame bound cache.ts gives its Rpc. */
export const MAX_FRAME_BYTES = OPTIONS.maxValueBytes + 1024 * 1024

/** Resets between two full clears of the store. */
const CLEAR_EVERY = 64

type ProtocolHandler = (data: { stream: Stream, connection: Connection }) => void

let identities: Promise<PeerId[]> | undefined
/** Four fixed identities: the fuzzed peer, then three remote peers. */
async function peers (): Promise<PeerId[]> {
  identities ??= Promise.all([1, 2, 3, 4].map(async i => peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(i)))))
  return identities
}

function fakeNode (peerId: PeerId, handlers: Map<string, ProtocolHandler>): MeshNode {
  const offline = async (): Promise<never> => { throw new Error('offline') }
  return {
    peerId,
    logger: defaultLogger(),
    services: { pubsub: { addEventListener () {}, publish: async () => {}, subscribe () {}, unsubscribe () {}, topicValidators: new Map() } },
    handle: async (protocol: string, handler: ProtocolHandler) => { handlers.set(protocol, handler) },
    unhandle: async (protocol: string) => { handlers.delete(protocol) },
    getMultiaddrs: () => [],
    getConnections: () => [],
    peerStore: { get: offline, merge: async () => {} },
    dial: offline,
    hangUp: async () => {},
    addEventListener () {},
    start: async () => {},
    stop: async () => {}
  } as unknown as MeshNode
}

/** Our end of a stream into the cache: a client Channel on it, and the cache's end to watch. */
export interface Link {
  channel: Channel
  /** The cache's end: `aborted` once the cache reset the stream. */
  remote: FakeStream
  /** Puts raw bytes on the cache's end, as if this peer had sent them. */
  inject: (bytes: Uint8Array) => void
}

export class Harness {
  readonly cache: MeshCache
  /** The parts the cache runs on, as buildParts made them. */
  readonly parts: Parts
  /** Remote peers' ids (index 0..2 in frames); the cache's own is cache.peerId. */
  readonly peerIds: string[]
  private readonly handlers: Map<string, ProtocolHandler>
  private links: Link[] = []
  private resets = 0

  private constructor (parts: Parts, handlers: Map<string, ProtocolHandler>, peerIds: string[]) {
    this.parts = parts
    this.cache = new MeshCache(parts)
    this.handlers = handlers
    this.peerIds = peerIds
  }

  static async start (): Promise<Harness> {
    const [self, ...others] = await peers()
    const handlers = new Map<string, ProtocolHandler>()
    const harness = new Harness(buildParts(fakeNode(self, handlers), OPTIONS), handlers, others.map(String))
    await harness.cache.start()
    return harness
  }

  /** The Rpc's own dispatch (op → handler) for a frame from `peer`, as a Channel calls it. */
  serve (frame: Frame, peer: string): Promise<Partial<Frame>> {
    return this.parts.rpc.serve(frame, peer)
  }

  /** Opens a stream from `peer` to the cache, as libp2p would hand it an inbound one. */
  connect (peer: string): Link {
    const handler = this.handlers.get(PROTOCOL)
    if (handler == null) throw new Error('the cache does not serve ' + PROTOCOL)
    const [mine, theirs] = streamPair()
    handler({ stream: theirs.stream, connection: { remotePeer: { toString: () => peer } } as unknown as Connection })
    const channel = new Channel({
      stream: mine.stream,
      peer: this.cache.peerId,
      limits: { maxFrameBytes: MAX_FRAME_BYTES, maxItems: 100_000 },
      onRequest: async () => { throw new Error('the fuzzer serves nothing') },
      onNotice: () => {},
      onClose: () => {},
      onMisbehaviour: () => {},
      log: defaultLogger().forComponent('fuzz:channel')
    })
    const link = { channel, remote: theirs, inject: theirs.inject }
    this.links.push(link)
    return link
  }

  /**
   * Back to an empty peer for the next case: a new MeshCache costs ~20 ms
   * (its LRUs preallocate), far more than a case. What stays is the clock,
   * the counters, the goodbyes membership remembers, and for a few cases the
   * store's tombstones.
   */
  async reset (): Promise<void> {
    const { membership, components: { store, near, keyspaces }, ops, rebalance } = this.parts
    for (const link of this.links.splice(0)) link.channel.close()
    for (const member of membership.members()) membership.remove(member.peerId, 'dead')
    // Tokens start at 1 again, so a case's FILL can name its LEASE's grant.
    ops.readThrough.leases.clear()
    // Entries go one by one; tombstones only every CLEAR_EVERY resets, as Store.clear() walks a 100k-slot LRU.
    if (++this.resets % CLEAR_EVERY === 0) store.clear()
    else for (const [keyspace, key] of [...store.entries()]) store.drop(keyspace, key)
    if (near.size > 0) near.clear() // clear() walks the whole preallocated LRU
    keyspaces.clear()
    await rebalance.settled()
  }

  async stop (): Promise<void> {
    await this.cache.stop()
  }
}
