import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCodes, MeshCacheError } from '../errors.js'
import { decodeFrame } from './frame-codec.js'
import type { Frame } from './frame.js'

/** Bounds on what one frame may carry, so a peer cannot make us allocate without limit. */
export interface FrameLimits {
  maxFrameBytes: number
  maxItems: number
}

/**
 * Frames as they go on the stream, under the names the protocol uses: the
 * whole frame with its length prefix, its protobuf body alone, and a frame
 * made of a shared body and its own fields (frame-encode.ts). An op
 * frame.proto does not have throws ERR_MALFORMED_FRAME: a bug here, not the
 * peer's doing.
 */
export { encodeFramed as encodeFrame, encodeBody as encodeFrameBody, encodeFramedFrom as encodeFrameFrom } from './frame-codec.js'

/**
 * Splits a byte stream into frames: a varint length, then a protobuf Frame.
 * Incremental, so a frame may arrive in pieces and many frames in one chunk.
 * Throws ERR_FRAME_TOO_LARGE or ERR_MALFORMED_FRAME; after a throw the stream
 * is unusable and must be reset.
 */
export class FrameDecoder {
  private readonly buffer = new Uint8ArrayList()

  /** Bytes held for a frame not complete yet (bounded by maxFrameBytes plus a length prefix). */
  get buffered (): number {
    return this.buffer.byteLength
  }
  private readonly limits: FrameLimits

  constructor (limits: FrameLimits) {
    this.limits = limits
  }

  * push (chunk: Uint8Array | Uint8ArrayList): Generator<Frame> {
    this.buffer.append(chunk)
    while (this.buffer.byteLength > 0) {
      const header = readVarint(this.buffer)
      if (header == null) return
      const [length, headerBytes] = header
      if (length > this.limits.maxFrameBytes) {
        throw new MeshCacheError(ErrorCodes.FRAME_TOO_LARGE, `frame of ${length} bytes is over the ${this.limits.maxFrameBytes} byte bound`)
      }
      if (this.buffer.byteLength < headerBytes + length) return
      const body = this.buffer.subarray(headerBytes, headerBytes + length)
      this.buffer.consume(headerBytes + length)
      yield decodeBody(body, this.limits)
    }
  }
}

function decodeBody (body: Uint8Array, limits: FrameLimits): Frame {
  try {
    return decodeFrame(body, limits)
  } catch (err) {
    throw new MeshCacheError(ErrorCodes.MALFORMED_FRAME, `undecodable frame: ${(err as Error).message}`, { cause: err })
  }
}

const MAX_VARINT_BYTES = 5 // lengths are below 2^32

/** The length prefix, or undefined while its bytes have not all arrived yet. */
function readVarint (list: Uint8ArrayList): [value: number, bytes: number] | undefined {
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (i >= list.byteLength) return undefined
    if ((list.get(i) & 0x80) === 0) return [varint.decode(list), i + 1]
  }
  throw new MeshCacheError(ErrorCodes.MALFORMED_FRAME, 'frame length prefix is too long')
}
