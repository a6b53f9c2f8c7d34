import { pipe } from 'it-pipe'
import { pushable } from 'it-pushable'
import { ErrorCodes, MeshCacheError, fromRemote } from '../errors.js'
import { nextTurn } from '../util/next-turn.js'
import { FrameDecoder, encodeFrame } from './codec.js'
import type { FrameLimits } from './codec.js'
import type { Frame } from './frame.js'
import type { Logger, Stream } from '@libp2p/interface'

export type RequestHandler = (frame: Frame, peer: string) => Promise<Partial<Frame>>
/** A notice: a frame with id 0, which no one answers. */
export type NoticeHandler = (frame: Frame, peer: string) => void

export interface ChannelInit {
  stream: Stream
  peer: string
  /** From the Rpc that made the channel (`meshcache:channel`). */
  log: Logger
  limits: FrameLimits
  onRequest: RequestHandler
  onNotice: NoticeHandler
  onClose: (channel: Channel) => void
  /** A frame from this peer broke the rules; the stream is already reset. */
  onMisbehaviour: (peer: string, err: MeshCacheError) => void
  /** Counts a request from the peer before serving it; false = over its bound (ERR_LIMIT_EXCEEDED, stream reset). */
  admit?: (peer: string) => boolean
  /** `count` admitted requests are done (answered, or orphaned by the stream closing). */
  release?: (peer: string, count: number) => void
}

interface Pending {
  resolve: (frame: Frame) => void
  reject: (err: Error) => void
  timer: ReturnType<typeof setTimeout>
  /** Runs once the peer answered or the stream closed — not at the timeout: the peer still counts the request. */
  done?: () => void
}

/**
 * One long-lived stream to one peer carrying requests both ways. Frames
 * written during one event-loop turn leave as a single chunk: every separate
 * write would cost its own yamux frame, Noise seal and syscall.
 */
export class Channel {
  readonly peer: string
  private readonly stream: Stream
  private readonly init: ChannelInit
  private readonly log: Logger
  private readonly out = pushable<Uint8Array>()
  private readonly pending = new Map<number, Pending>()
  /** Requests that timed out here but that the peer has not answered yet. */
  private readonly late = new Map<number, () => void>()
  /** Requests from the peer being served now. */
  private serving = 0
  private queued: Uint8Array[] = []
  private queuedBytes = 0
  private nextId = 1
  private closed = false

  constructor (init: ChannelInit) {
    this.init = init
    this.peer = init.peer
    this.stream = init.stream
    this.log = init.log
    pipe(this.out, this.stream).catch((err: Error) => {
      this.log('sending to %s failed: %s', this.peer, err.message)
      this.shutdown(err)
    })
    void this.readLoop()
  }

  get isOpen (): boolean {
    return !this.closed
  }

  /**
   * `done` runs once the peer answered or the stream closed, whether or not
   * the request timed out first. `now`: the request leaves at once, with what
   * this turn queued before it, instead of at the turn's end.
   */
  request (frame: Partial<Frame>, timeoutMs: number, done?: () => void, now = false): Promise<Frame> {
    if (this.closed) {
      done?.()
      return Promise.reject(unavailable(this.peer))
    }
    const id = this.nextId
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        if (done != null) this.late.set(id, done)
        reject(new MeshCacheError(ErrorCodes.TIMEOUT, `peer ${this.peer} did not answer ${opName(frame)} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { resolve, reject, timer, done })
      this.log.trace('request %d (op %d) to %s', id, frame.op, this.peer)
      this.send({ ...frame, id, response: false })
      if (now) this.flush()
    })
  }

  /**
   * Sends a notice: `framed` is a whole frame (length prefix included) whose
   * id is 0. It leaves at once, with whatever this turn queued before it:
   * notices are already one per batch, and waiting for the turn's end put one
   * more event-loop iteration (all the I/O a busy peer had pending) between
   * a write and its invalidation.
   */
  notify (framed: Uint8Array): void {
    this.enqueue(framed)
    this.flush()
  }

  close (): void {
    this.shutdown(undefined)
    this.stream.close().catch((err: Error) => {
      this.log.trace('closing the stream with %s failed, resetting it: %e', this.peer, err)
      this.stream.abort(new Error('close failed'))
    })
  }

  private send (frame: Partial<Frame>): void {
    if (this.closed) return
    this.enqueue(encodeFrame(frame))
  }

  private enqueue (bytes: Uint8Array): void {
    if (this.closed) return
    this.queued.push(bytes)
    this.queuedBytes += bytes.byteLength
    if (this.queued.length === 1) nextTurn(() => { this.flush() })
  }

  private flush (): void {
    if (this.queued.length === 0) return
    let chunk = this.queued[0]
    if (this.queued.length > 1) {
      chunk = new Uint8Array(this.queuedBytes)
      let offset = 0
      for (const bytes of this.queued) { chunk.set(bytes, offset); offset += bytes.byteLength }
    }
    this.queued = []
    this.queuedBytes = 0
    this.out.push(chunk)
  }

  private async readLoop (): Promise<void> {
    const decoder = new FrameDecoder(this.init.limits)
    try {
      await pipe(this.stream, async source => {
        for await (const chunk of source) {
          for (const frame of decoder.push(chunk)) this.dispatch(frame)
        }
      })
      this.log.trace('%s ended the stream', this.peer)
      this.shutdown(undefined)
    } catch (err) {
      if (err instanceof MeshCacheError) {
        this.log('reset the stream with %s: %s %s', this.peer, err.code, err.message)
        this.stream.abort(err)
        this.init.onMisbehaviour(this.peer, err)
      } else {
        this.log('the stream with %s failed: %s', this.peer, (err as Error).message ?? String(err))
      }
      this.shutdown(err)
    }
  }

  private dispatch (frame: Frame): void {
    if (frame.response) {
      const pending = this.pending.get(frame.id)
      if (pending == null) {
        // Answered after its timeout: nothing waits, but the slot frees now.
        const late = this.late.get(frame.id)
        this.late.delete(frame.id)
        this.log.trace('%s answered request %d %s', this.peer, frame.id, late != null ? 'after its timeout' : 'that no one asked')
        late?.()
        return
      }
      this.pending.delete(frame.id)
      clearTimeout(pending.timer)
      pending.done?.()
      this.log.trace('%s answered request %d%s', this.peer, frame.id, frame.errorCode !== '' ? ` with ${frame.errorCode}` : '')
      if (frame.errorCode !== '') pending.reject(fromRemote(frame.errorCode, frame.errorMessage))
      else pending.resolve(frame)
      return
    }
    // Ids of requests start at 1: id 0 is a notice, and no answer goes back.
    if (frame.id === 0) {
      this.init.onNotice(frame, this.peer)
      return
    }
    if (this.init.admit?.(this.peer) === false) {
      throw new MeshCacheError(ErrorCodes.LIMIT_EXCEEDED, `peer ${this.peer} sent more requests at once than it may have in flight`)
    }
    this.serving++
    const { id, op } = frame
    this.log.trace('request %d (op %d) from %s', id, op, this.peer)
    const fail = (err: Error): void => {
      const code = err instanceof MeshCacheError ? err.code : ErrorCodes.REMOTE
      this.log.trace('request %d (op %d) from %s failed: %s %s', id, op, this.peer, code, err.message ?? String(err))
      this.send({ id, op, response: true, errorCode: code, errorMessage: err.message ?? String(err) })
    }
    this.init.onRequest(frame, this.peer).then(
      reply => {
        this.served()
        // A reply that cannot be encoded still answers, as an error, rather than
        // leaving the asker to time out (and an unhandled rejection here).
        try {
          this.send({ ...reply, id, op, response: true })
        } catch (err) {
          this.log.error('the reply to request %d (op %d) from %s could not be encoded: %e', id, op, this.peer, err)
          fail(err as Error)
        }
      },
      (err: Error) => {
        this.served()
        fail(err)
      }
    )
  }

  /** Once closed, the remaining count was released in one go by shutdown(). */
  private served (): void {
    if (this.closed) return
    this.serving--
    this.init.release?.(this.peer, 1)
  }

  private shutdown (err: unknown): void {
    if (this.closed) return
    this.closed = true
    this.out.end()
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer)
      pending.done?.()
      pending.reject(unavailable(this.peer, err))
    }
    this.pending.clear()
    for (const done of this.late.values()) done()
    this.late.clear()
    // Handlers still running for a closed stream answer no one: the peer no longer counts them either.
    if (this.serving > 0) this.init.release?.(this.peer, this.serving)
    this.serving = 0
    this.init.onClose(this)
  }
}

function unavailable (peer: string, cause?: unknown): MeshCacheError {
  return new MeshCacheError(ErrorCodes.UNAVAILABLE, `connection to ${peer} closed`, { cause })
}

function opName (frame: Partial<Frame>): string {
  return `request ${frame.op ?? ''}`
}
