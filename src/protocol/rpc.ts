import { ErrorCodes, MeshCacheError } from '../errors.js'
import { Channel } from './channel.js'
import type { FrameLimits } from './codec.js'
import type { Frame, Op } from './frame.js'
import type { Connection, Stream, StreamHandlerOptions } from '@libp2p/interface'

export const PROTOCOL = '/meshcache/1.0.0'

/** The slice of libp2p the protocol needs, so tests can hand in fakes. */
export interface RpcComponents {
  handle: (protocol: string, handler: (data: { stream: Stream, connection: Connection }) => void, options?: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  /** Opens a new stream on `protocol` to the peer, dialling it if needed. */
  openStream: (peer: string, protocol: string) => Promise<Stream>
}

export interface RpcInit extends FrameLimits {
  timeoutMs: number
  onMisbehaviour?: (peer: string, err: MeshCacheError) => void
}

export type OpHandler = (frame: Frame, peer: string) => Promise<Partial<Frame>>

/**
 * Request/response over /meshcache/1.0.0: one channel (stream) per peer,
 * reused for every request either side makes. Handlers are registered per op.
 */
export class Rpc {
  private readonly components: RpcComponents
  private readonly init: RpcInit
  private readonly handlers = new Map<Op, OpHandler>()
  /** The channel each peer's requests go on. */
  private readonly channels = new Map<string, Channel>()
  /** Every open channel, including one left over when both sides opened at once. */
  private readonly open = new Set<Channel>()
  private readonly opening = new Map<string, Promise<Channel>>()
  private started = false

  constructor (components: RpcComponents, init: RpcInit) {
    this.components = components
    this.init = init
  }

  on (op: Op, handler: OpHandler): void {
    this.handlers.set(op, handler)
  }

  async start (): Promise<void> {
    this.started = true
    await this.components.handle(PROTOCOL, ({ stream, connection }) => {
      if (this.started) this.adopt(stream, connection.remotePeer.toString())
      else stream.abort(new Error('meshcache is stopping'))
    }, {
      // Tabs reach each other over relayed ("limited") connections first.
      runOnLimitedConnection: true,
      maxInboundStreams: 8,
      maxOutboundStreams: 8
    })
  }

  async stop (): Promise<void> {
    this.started = false
    await this.components.unhandle(PROTOCOL)
    for (const channel of [...this.open]) channel.close()
    this.channels.clear()
  }

  /** Sends a request and resolves with the peer's answer; rejects with a typed error. */
  async request (peer: string, frame: Partial<Frame>, timeoutMs = this.init.timeoutMs): Promise<Frame> {
    const channel = this.channels.get(peer) ?? await this.connect(peer)
    return channel.request(frame, timeoutMs)
  }

  /** New requests to the peer go on a new stream; the current one stays open for what it carries. */
  retire (peer: string): void {
    this.channels.delete(peer)
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
          throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `cannot reach ${peer}: ${err.message}`, { cause: err })
        }
      ).finally(() => { this.opening.delete(peer) })
      this.opening.set(peer, opening)
    }
    return opening
  }

  private adopt (stream: Stream, peer: string): Channel {
    if (!this.started) {
      stream.abort(new Error('meshcache is stopping'))
      throw new MeshCacheError(ErrorCodes.CLOSED, 'the cache is stopped')
    }
    const channel = new Channel({
      stream,
      peer,
      limits: this.init,
      onRequest: (frame, from) => this.serve(frame, from),
      onClose: closed => {
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

  private async serve (frame: Frame, peer: string): Promise<Partial<Frame>> {
    const handler = this.handlers.get(frame.op)
    if (handler == null) throw new MeshCacheError(ErrorCodes.MALFORMED_FRAME, `no handler for op ${String(frame.op)}`)
    return handler(frame, peer)
  }
}
