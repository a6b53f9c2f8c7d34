import { pipe } from 'it-pipe'
import { pushable } from 'it-pushable'
import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCodes, MeshCacheError } from '../errors.js'
import type { Logger, Stream } from '@libp2p/interface'

export interface FramedStreamInit {
  stream: Stream
  /** The peer at the other end, for error messages and logs. */
  peer: string
  log: Logger
}

/** Handshake messages are tiny: a one-byte length, then at most this many bytes. */
const MAX_MESSAGE_BYTES = 255
/** A peer in lockstep never has more than one message in our buffer. */
const MAX_BUFFERED = 2 * (MAX_MESSAGE_BYTES + 1)

/**
 * The handshake's framing over a libp2p stream: each message is one length
 * byte and the payload. read() insists on the length the protocol expects, so
 * a peer speaking anything else is caught at its first message.
 */
export class FramedStream {
  private readonly stream: Stream
  private readonly peer: string
  private readonly log: Logger
  private readonly out = pushable<Uint8Array>()
  private readonly buffer = new Uint8ArrayList()
  private readonly source: AsyncIterator<Uint8Array | Uint8ArrayList>
  private readonly sent: Promise<void>

  constructor ({ stream, peer, log }: FramedStreamInit) {
    this.stream = stream
    this.peer = peer
    this.log = log
    // A failed send shows at the other end's next read, or as our own read failing.
    this.sent = pipe(this.out, stream).catch((err: Error) => { log.trace('sending on the handshake stream with %s failed: %e', peer, err) })
    this.source = (stream.source as AsyncIterable<Uint8Array | Uint8ArrayList>)[Symbol.asyncIterator]()
  }

  send (payload: Uint8Array): void {
    const message = new Uint8Array(payload.byteLength + 1)
    message[0] = payload.byteLength
    message.set(payload, 1)
    this.out.push(message)
  }

  /** The next message, which must be exactly `length` bytes. */
  async read (length: number): Promise<Uint8Array> {
    for (;;) {
      if (this.buffer.byteLength > 0) {
        if (this.buffer.get(0) !== length) throw this.malformed(`a message of ${this.buffer.get(0)} bytes where ${length} were due`)
        if (this.buffer.byteLength >= length + 1) {
          const message = this.buffer.subarray(1, length + 1)
          this.buffer.consume(length + 1)
          return message
        }
      }
      if (this.buffer.byteLength > MAX_BUFFERED) throw this.malformed('too much data')
      let next: IteratorResult<Uint8Array | Uint8ArrayList>
      try {
        next = await this.source.next()
      } catch (err) {
        // A lazily negotiated stream learns here that the peer has no handshake at all: a verdict, keep it.
        if ((err as Error).name === 'UnsupportedProtocolError') throw err
        throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `the handshake stream with ${this.peer} failed: ${(err as Error).message}`, { cause: err })
      }
      if (next.done === true) throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `peer ${this.peer} closed the handshake`)
      this.buffer.append(next.value)
    }
  }

  /** Flushes what was sent, then closes; in the background, as nothing waits on it. */
  finish (): void {
    this.out.end()
    this.sent.then(async () => { await this.stream.close() }).catch((err: Error) => {
      this.log.trace('closing the handshake stream with %s failed, resetting it: %e', this.peer, err)
      this.stream.abort(new Error('close failed'))
    })
  }

  abort (err: Error): void {
    this.out.end()
    this.stream.abort(err)
  }

  private malformed (what: string): MeshCacheError {
    return new MeshCacheError(ErrorCodes.UNAUTHORIZED, `peer ${this.peer} sent a malformed handshake: ${what}`)
  }
}
