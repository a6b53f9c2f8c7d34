/**
 * uint64 fields between protobuf and JavaScript, for every part that encodes
 * or decodes a message (frames, heartbeats).
 */
import { writer } from 'protons-runtime'
import type { Codec } from 'protons-runtime'

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * A uint64 from the wire as a Number. Past 2^53 a Number rounds (2^64 - 1
 * becomes 2^64, which the encoder wraps to 0 when we send it on), so larger
 * values clamp to MAX_SAFE_INTEGER: as epoch ms that is year 287396, as good
 * as never, and it goes back out as it is.
 */
export function wireNumber (value: bigint): number {
  return value > MAX_SAFE ? Number.MAX_SAFE_INTEGER : Number(value)
}

/**
 * A protobuf encoding like `Message.encode`, but right for every uint64.
 * protons-runtime 5.6 writes a bigint in [2^31, 2^32) as one byte where it
 * reserved five (its LongBits keeps the low word signed), leaving whatever the
 * buffer held in the other four: the frame is garbled from there on, and the
 * receiver resets the stream and penalizes us. Echoing a version or expiry a
 * peer sent is enough to get there. Its Number path writes those values right.
 */
export function encodeExact<T> (codec: Codec<T>, message: Partial<T>): Uint8Array {
  const w = writer()
  const uint64 = w.uint64.bind(w)
  w.uint64 = (value: bigint) => value >= 0x80000000n && value <= 0xffffffffn ? w.uint64Number(Number(value)) : uint64(value)
  codec.encode(message as T, w, { lengthDelimited: false })
  return w.finish()
}
