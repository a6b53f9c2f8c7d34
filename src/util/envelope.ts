import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { equalBytes } from './bytes.js'

/*
 * Every gossip message meshcache publishes travels in an envelope that says
 * who made it, so gossipsub can run without a signature per message
 * (StrictNoSign: ~0.2-0.3 ms of Ed25519 per sign and per verify here):
 *
 *   [0]        kind: PLAIN, or MACED when the mesh has a secret
 *   [1]        origin length L (1..MAX_ORIGIN_BYTES)
 *   [2, 2+L)   the origin's peer id, as its ASCII string
 *   [+8]       seq: the origin's message number, big-endian, never repeated
 *   [+16]      MACED only: HMAC-SHA256(mesh key, TAG ‖ topic ‖ 0 ‖ everything before the MAC ‖ payload), first 16 bytes
 *   [rest]     the payload
 *
 * The message id is the bytes up to and including seq: one origin never
 * reuses one (seq starts from the clock at start-up), so equal payloads are
 * not taken for duplicates, and reading the id costs no hash.
 */

const PLAIN = 1
const MACED = 2
const MAX_ORIGIN_BYTES = 64
const SEQ_BYTES = 8
export const MAC_BYTES = 16
const TAG = utf8ToBytes('meshcache/gossip/1')

/** Signs or checks envelopes with the mesh key; absent when the mesh has no secret. */
export type GossipMac = (topic: string, signed: Uint8Array, payload: Uint8Array) => Uint8Array

export function gossipMacWith (key: Uint8Array): GossipMac {
  const secretKey = key.slice()
  return (topic, signed, payload) => {
    const mac = hmac.create(sha256, secretKey)
    mac.update(TAG).update(utf8ToBytes(topic)).update(new Uint8Array(1)).update(signed).update(payload)
    return mac.digest().subarray(0, MAC_BYTES)
  }
}

export interface Opened {
  origin: string
  payload: Uint8Array
}

/** Makes envelopes for one origin. */
export class Sealer {
  private readonly origin: Uint8Array
  private readonly mac?: GossipMac
  private seq: number

  constructor (origin: string, mac?: GossipMac, now = Date.now) {
    this.origin = asciiBytes(origin)
    if (this.origin.byteLength < 1 || this.origin.byteLength > MAX_ORIGIN_BYTES) throw new RangeError(`origin of ${this.origin.byteLength} bytes`)
    this.mac = mac
    // A restarted origin must not reuse a number the mesh still remembers (gossipsub's seen-cache keeps ids for minutes).
    this.seq = now() * 1024
  }

  seal (topic: string, payload: Uint8Array): Uint8Array {
    const headerBytes = 2 + this.origin.byteLength + SEQ_BYTES
    const macBytes = this.mac != null ? MAC_BYTES : 0
    const out = new Uint8Array(headerBytes + macBytes + payload.byteLength)
    out[0] = this.mac != null ? MACED : PLAIN
    out[1] = this.origin.byteLength
    out.set(this.origin, 2)
    const seq = ++this.seq
    const view = new DataView(out.buffer, out.byteOffset)
    view.setUint32(2 + this.origin.byteLength, Math.floor(seq / 2 ** 32))
    view.setUint32(2 + this.origin.byteLength + 4, seq >>> 0)
    if (this.mac != null) out.set(this.mac(topic, out.subarray(0, headerBytes), payload), headerBytes)
    out.set(payload, headerBytes + macBytes)
    return out
  }
}

/** The message id of an envelope: origin and seq. Garbage gets a prefix of itself (the validator rejects it). */
export function messageId (data: Uint8Array): Uint8Array {
  const length = data.byteLength >= 2 ? 2 + data[1] + SEQ_BYTES : data.byteLength
  return data.subarray(0, Math.min(length, data.byteLength))
}

/** The same id as a string, for gossipsub's fast path (one per received copy, before any decoding). */
export function fastMessageId (data: Uint8Array): string {
  return latin1(messageId(data))
}

/** Bytes as a string of one char each: a message id as gossipsub's map key, cheaper than base64. */
export function latin1 (bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.byteLength; i++) text += String.fromCharCode(bytes[i])
  return text
}

/**
 * The origin and payload of an envelope, or why it is refused: malformed,
 * of the other kind (MAC where the mesh has no secret or the reverse), or a
 * MAC that does not check out.
 */
export function open (topic: string, data: Uint8Array, mac?: GossipMac): Opened | string {
  if (data.byteLength < 2) return 'too short'
  const kind = data[0]
  if (kind !== (mac != null ? MACED : PLAIN)) return mac != null ? 'no MAC where the mesh has a secret' : 'a MAC where the mesh has no secret'
  const originBytes = data[1]
  if (originBytes < 1 || originBytes > MAX_ORIGIN_BYTES) return `an origin of ${originBytes} bytes`
  const headerBytes = 2 + originBytes + SEQ_BYTES
  const macBytes = mac != null ? MAC_BYTES : 0
  if (data.byteLength < headerBytes + macBytes) return 'too short'
  const payload = data.subarray(headerBytes + macBytes)
  if (mac != null && !equalBytes(mac(topic, data.subarray(0, headerBytes), payload), data.subarray(headerBytes, headerBytes + MAC_BYTES))) return 'a wrong MAC'
  let origin = ''
  for (let i = 2; i < 2 + originBytes; i++) {
    const c = data[i]
    if (c < 0x21 || c > 0x7e) return 'an origin that is not printable ASCII'
    origin += String.fromCharCode(c)
  }
  return { origin, payload }
}

function asciiBytes (text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x21 || c > 0x7e) throw new RangeError('origin must be printable ASCII')
    bytes[i] = c
  }
  return bytes
}
