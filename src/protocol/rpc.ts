import { ErrorCodes, MeshCacheError } from '../errors.js'
import { Channel } from './channel.js'
import { encodeFrameBody, encodeFrameFrom } from './codec.js'
import { PeerSlots } from './slots.js'
import type { NoticeHandler } from './channel.js'
import type { FrameLimits } from './codec.js'
import type { Frame, Op } from './frame.js'
import type { ComponentLogger, Connection, Logger, Stream, StreamHandlerOptions } from '@libp2p/interface'

export const PROTOCOL = '/meshcache/1.0.0'

/** The slice of libp2p the protocol needs, so tests can hand in fakes. */
export interface RpcComponents {
  handle: (protocol: string, handler: (data: { stream: Stream, connection: Connection }) => void, options?: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  /** Opens a new stream on `protocol` to the peer, dialling it if needed. */
  openStream: (peer: string, protocol: string) => Promise<Stream>
  /** libp2p's logger component: the Rpc logs as `meshcache:rpc`, its channels as `meshcache:channel`. */
  logger: ComponentLogger
}

/** With a mesh secret: who may be served and asked (src/access/). */
export interface RpcAccess {
  /** The peer has proven the secret (a synchronous check, the fast path). */
  allowed: (peer: string) => boolean
  /** Resolves once it has; rejects with ERR_UNAUTHORIZED when it cannot. */
  verify: (peer: string) => Promise<void>
  /** Counts a request refused for want of proof. */
  refused?: (peer: string) => void
}

export interface RpcInit extends FrameLimits {
  timeoutMs: number
  /** Requests one peer may have in flight to us, across its streams; ours to it never exceed it either. Default 1024. */
  maxInFlightPerPeer?: number
  access?: RpcAccess
  onMisbehaviour?: (peer: string, err: MeshCacheError) => void
  /** A peer answered one of our requests with a result: it is alive. */
  onAnswer?: (peer: string) => void
}

export const DEFAULT_MAX_IN_FLIGHT = 1024

export type OpHandler = (frame: Frame, peer: string) => Promise<Partial<Frame>>

/**
 * Request/response over /meshcache/1.0.0: one channel (stream) per peer,
 * reused for every request either side makes. Handlers are registered per op.
 */
export class Rpc {
  private readonly components: RpcComponents
  private readonly init: RpcInit
  private readonly log: Logger
  /** Handed to every Channel. */
  private readonly channelLog: Logger
  private readonly handlers = new Map<Op, OpHandler>()
  private readonly noticeHandlers = new Map<Op, NoticeHandler>()
  /** The channel each peer's requests go on. */
  private readonly channels = new Map<string, Channel>()
  /** Every open channel, including one left over when both sides opened at once. */
  private readonly open = new Set<Channel>()
  private readonly opening = new Map<string, Promise<Channel>>()
  /** Our requests in flight to each peer. */
  private readonly slots: PeerSlots
  /** Each peer's requests being served here, across all of its channels. */
  private readonly serving = new Map<string, number>()
  private readonly maxInFlight: number
  /** Peers that answered us ERR_UNAUTHORIZED or that we could not verify, so a failed join can say why. */
  private readonly refusedBy = new Set<string>()
  private started = false

  constructor (components: RpcComponents, init: RpcInit) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('meshcache:rpc')
    this.channelLog = components.logger.forComponent('meshcache:channel')
    this.maxInFlight = init.maxInFlightPerPeer ?? DEFAULT_MAX_IN_FLIGHT
    this.slots = new PeerSlots(this.maxInFlight)
  }

  on (op: Op, handler: OpHandler): void {
    this.handlers.set(op, handler)
  }

  /** Notices (frames no one answers) of `op` go to `handler`; it runs synchronously, in the order they came. */
  onNotice (op: Op, handler: NoticeHandler): void {
    this.noticeHandlers.set(op, handler)
  }

  /** Peers we have a channel with, open now. */
  connectedPeers (): Iterable<string> {
    return this.channels.keys()
  }

  /**
   * Sends one notice to many peers without waiting: `shared` is encoded once
   * and each peer's own fields follow it. Notices to one peer leave in the
   * order they were given; one that cannot go (no proof of the secret yet,
   * the peer unreachable, the stream closing) is lost, with a trace line.
   */
  notifyMany (shared: Partial<Frame>, each: Array<[peer: string, own: Partial<Frame>]>): void {
    if (!this.started) return
    const body = encodeFrameBody({ ...shared, id: 0, response: false })
    const { access } = this.init
    for (const [peer, own] of each) {
      if (access != null && !access.allowed(peer)) {
        this.log.trace('a notice (op %d) to %s is not sent: it has not proven the mesh secret', shared.op, peer)
        continue
      }
      const framed = encodeFrameFrom(body, own)
      const channel = this.channels.get(peer)
      if (channel != null) channel.notify(framed)
      else {
        this.connect(peer).then(
          opened => { opened.notify(framed) },
          (err: Error) => { this.log.trace('a notice (op %d) to %s is lost: %s', shared.op, peer, err.message) }
        )
      }
    }
  }

  async start (): Promise<void> {
    this.started = true
    await this.components.handle(PROTOCOL, ({ stream, connection }) => {
      if (this.started) this.adopt(stream, connection.remotePeer.toString())
      else {
        this.log.trace('refused a stream from %p: stopping', connection.remotePeer)
        stream.abort(new Error('meshcache is stopping'))
      }
    }, {
      // Tabs reach each other over relayed ("limited") connections first.
      runOnLimitedConnection: true,
      maxInboundStreams: 8,
      maxOutboundStreams: 8
    })
    this.log('serving %s', PROTOCOL)
  }

  async stop (): Promise<void> {
    this.log('stopping: closing %d channel(s)', this.open.size)
    this.started = false
    await this.components.unhandle(PROTOCOL)
    for (const channel of [...this.open]) channel.close()
    this.channels.clear()
    this.slots.clear(new MeshCacheError(ErrorCodes.CLOSED, 'the cache is stopped'))
  }

  /**
   * Sends a request and resolves with the peer's answer; rejects with a typed
   * error. With a mesh secret the peer must have proven it first. Beyond
   * `maxInFlightPerPeer` requests to one peer, the next wait for a free slot
   * (the wait counts against the timeout). `now`: written at once, not at the
   * turn's end (a full batch: batch.ts).
   */
  async request (peer: string, frame: Partial<Frame>, timeoutMs = this.init.timeoutMs, now = false): Promise<Frame> {
    const { access } = this.init
    if (access != null && !access.allowed(peer)) {
      await access.verify(peer).catch((err: MeshCacheError) => {
        if (err.code === ErrorCodes.UNAUTHORIZED) this.noteRefusal(peer, err)
        throw err
      })
    }
    let budget = timeoutMs
    if (!this.slots.tryAcquire(peer)) {
      const queued = Date.now()
      this.log.trace('%d requests in flight to %s: request op %d waits for a slot', this.maxInFlight, peer, frame.op)
      await this.slots.acquire(peer, timeoutMs).catch((err: MeshCacheError) => {
        if (err.code === ErrorCodes.TIMEOUT) this.log('rpc timeout: %s', err.message)
        throw err
      })
      budget = Math.max(1, timeoutMs - (Date.now() - queued))
    }
    let channel: Channel
    try {
      channel = this.channels.get(peer) ?? await this.connect(peer)
    } catch (err) {
      this.slots.release(peer)
      throw err
    }
    return channel.request(frame, budget, () => { this.slots.release(peer) }, now).then(reply => {
      this.init.onAnswer?.(peer)
      return reply
    }, (err: MeshCacheError) => {
      if (err.code === ErrorCodes.TIMEOUT) this.log('rpc timeout: %s', err.message)
      // A peer without a secret learns here that the mesh has one.
      if (err.code === ErrorCodes.UNAUTHORIZED) this.noteRefusal(peer, err)
      throw err
    })
  }

  /** Whether the peer refused us (or we it) for want of the mesh secret. */
  refused (peer: string): boolean {
    return this.refusedBy.has(peer)
  }

  /** New requests to the peer go on a new stream; the current one stays open for what it carries. */
  retire (peer: string): void {
    if (this.channels.delete(peer)) this.log('requests to %s move to a new stream', peer)
  }

  /** Forgets the channel to a peer that left, rejecting what waits on it. */
  disconnect (peer: string): void {
    for (const channel of [...this.open]) {
      if (channel.peer === peer) channel.close()
    }
  }

  private async connect (peer: string): Promise<Channel> {
    if (!this.started) throw new MeshCacheError(ErrorCodes.CLOSED, 'the cache is stopped')
    let opening = this.opening.get(peer)
    if (opening == null) {
      opening = this.components.openStream(peer, PROTOCOL).then(
        stream => this.adopt(stream, peer),
        (err: Error) => {
          this.log('cannot reach %s: %s', peer, err.message)
          throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `cannot reach ${peer}: ${err.message}`, { cause: err })
        }
      ).finally(() => { this.opening.delete(peer) })
      this.opening.set(peer, opening)
    }
    return opening
  }

  private adopt (stream: Stream, peer: string): Channel {
    if (!this.started) {
      this.log.trace('aborted a new stream to %s: stopping', peer)
      stream.abort(new Error('meshcache is stopping'))
      throw new MeshCacheError(ErrorCodes.CLOSED, 'the cache is stopped')
    }
    this.log.trace('channel with %s opened', peer)
    const channel = new Channel({
      stream,
      peer,
      log: this.channelLog,
      limits: this.init,
      onRequest: (frame, from) => this.serve(frame, from),
      onNotice: (frame, from) => { this.notice(frame, from) },
      admit: from => {
        const count = (this.serving.get(from) ?? 0) + 1
        if (count > this.maxInFlight) return false
        this.serving.set(from, count)
        return true
      },
      release: (from, done) => {
        const count = (this.serving.get(from) ?? 0) - done
        if (count > 0) this.serving.set(from, count)
        else this.serving.delete(from)
      },
      onClose: closed => {
        this.log.trace('channel with %s closed', peer)
        this.open.delete(closed)
        if (this.channels.get(peer) === closed) this.channels.delete(peer)
      },
      onMisbehaviour: (from, err) => { this.init.onMisbehaviour?.(from, err) }
    })
    // Both sides may open at once; either channel works, send on the newest.
    this.channels.set(peer, channel)
    this.open.add(channel)
    return channel
  }

  private noteRefusal (peer: string, err: MeshCacheError): void {
    if (this.refusedBy.has(peer)) this.log.trace('%s refused again: %s', peer, err.message)
    else this.log('%s and this peer did not prove the mesh secret to each other: %s', peer, err.message)
    // Bounded: only a hint for error messages.
    if (this.refusedBy.size >= 1000) this.refusedBy.clear()
    this.refusedBy.add(peer)
  }

  /** A notice from `peer`: heard only from a peer that has proven the secret, and never answered. */
  private notice (frame: Frame, peer: string): void {
    const { access } = this.init
    if (access != null && !access.allowed(peer)) {
      this.log('dropped a notice (op %d) from %s: it has not proven the mesh secret', frame.op, peer)
      access.refused?.(peer)
      return
    }
    const handler = this.noticeHandlers.get(frame.op)
    if (handler == null) {
      this.log('%s sent a notice of op %d, which has no handler', peer, frame.op)
      return
    }
    try {
      handler(frame, peer)
    } catch (err) {
      this.log.error('the handler of a notice (op %d) from %s threw: %e', frame.op, peer, err)
    }
  }

  /** Serves one request from `peer` as a channel does: access first, then its op's handler. */
  async serve (frame: Frame, peer: string): Promise<Partial<Frame>> {
    const { access } = this.init
    if (access != null && !access.allowed(peer)) {
      try {
        await access.verify(peer)
      } catch (err) {
        this.log('refused a request (op %d) from %s: %s', frame.op, peer, (err as Error).message)
        access.refused?.(peer)
        throw new MeshCacheError(ErrorCodes.UNAUTHORIZED, 'this mesh requires its secret, and the asking peer has not proven it')
      }
    }
    const handler = this.handlers.get(frame.op)
    if (handler == null) {
      this.log('%s asked for op %d, which has no handler', peer, frame.op)
      throw new MeshCacheError(ErrorCodes.MALFORMED_FRAME, `no handler for op ${String(frame.op)}`)
    }
    return handler(frame, peer)
  }
}
