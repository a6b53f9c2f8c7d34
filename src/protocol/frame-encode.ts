/**
 * Frames to protobuf bytes (frame-codec.ts says why by hand): each frame is
 * written into one reused scratch buffer and copied out once.
 */
import { utf8Length, writeUtf8 } from '../util/utf8.js'
import { Op } from './frame.js'
import { DELIMITED, FrameFormatError, OP_NUMBER } from './frame-wire.js'
import type { Entry, Frame, Member } from './frame.js'

let scratch = new Uint8Array(64 * 1024)
let view = new DataView(scratch.buffer)
let capacity = scratch.byteLength
let pos = 0

/** Room for `bytes` more at pos (the check inlines; growing, rare, does not). */
function reserve (bytes: number): void {
  if (pos + bytes > capacity) grow(bytes)
}

function grow (bytes: number): void {
  let size = scratch.byteLength * 2
  while (size < pos + bytes) size *= 2
  const bigger = new Uint8Array(size)
  bigger.set(scratch.subarray(0, pos))
  scratch = bigger
  capacity = size
  view = new DataView(scratch.buffer)
}

function varint (value: number): void {
  reserve(5)
  while (value > 0x7f) {
    scratch[pos++] = (value & 0x7f) | 0x80
    value >>>= 7
  }
  scratch[pos++] = value
}

/**
 * A uint64's two 32-bit halves without BigInt arithmetic (each BigInt
 * operation allocates): the value is stored once in a 64-bit slot and read
 * back as two words — little-endian, as every platform meshcache runs on is.
 */
const slot = new BigUint64Array(1)
const words = new Uint32Array(slot.buffer)

function uint64 (value: bigint): void {
  slot[0] = value
  let lo = words[0]
  let hi = words[1]
  if (hi === 0) {
    varint(lo)
    return
  }
  reserve(10)
  // 64 bits, 7 at a time: the low word's bits first, borrowing from the high word past bit 28.
  while (hi > 0 || lo > 0x7f) {
    scratch[pos++] = (lo & 0x7f) | 0x80
    lo = ((lo >>> 7) | (hi << 25)) >>> 0
    hi >>>= 7
  }
  scratch[pos++] = lo
}

function varintLength (value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5
}

function string (field: number, text: string): void {
  varint(field << 3 | DELIMITED)
  const bytes = utf8Length(text)
  varint(bytes)
  reserve(bytes)
  writeUtf8(text, bytes, scratch, pos)
  pos += bytes
}

function bytesField (field: number, value: Uint8Array): void {
  varint(field << 3 | DELIMITED)
  varint(value.byteLength)
  reserve(value.byteLength)
  scratch.set(value, pos)
  pos += value.byteLength
}

/**
 * A nested message's length goes before it, so the message is written first
 * (begin … end) and moved up behind its tag when the length takes more than
 * the one byte kept for it.
 */
function begin (field: number): number {
  varint(field << 3 | DELIMITED)
  reserve(1)
  return pos++
}

function end (lengthAt: number): void {
  const start = lengthAt + 1
  const length = pos - start
  if (length < 0x80) {
    scratch[lengthAt] = length
    return
  }
  const prefix = varintLength(length)
  reserve(prefix - 1)
  scratch.copyWithin(start + prefix - 1, start, pos)
  pos = lengthAt
  varint(length)
  pos += length
}

function entry (e: Partial<Entry>): void {
  if (e.keyspace != null && e.keyspace !== '') string(1, e.keyspace)
  if (e.key != null && e.key !== '') string(2, e.key)
  if (e.value != null && e.value.byteLength > 0) bytesField(3, e.value)
  if (e.version != null && e.version !== 0n) { varint(32); uint64(e.version) }
  if (e.expiresAt != null && e.expiresAt !== 0n) { varint(40); uint64(e.expiresAt) }
  if (e.staleAt != null && e.staleAt !== 0n) { varint(48); uint64(e.staleAt) }
}

function member (m: Partial<Member>): void {
  if (m.peerId != null && m.peerId !== '') string(1, m.peerId)
  if (m.role != null && m.role !== '') string(2, m.role)
  if (m.weight != null && m.weight !== 0) {
    varint(25)
    reserve(8)
    view.setFloat64(pos, m.weight, true)
    pos += 8
  }
  if (m.incarnation != null && m.incarnation !== 0n) { varint(32); uint64(m.incarnation) }
  for (const addr of m.addrs ?? []) string(5, addr)
}

function frameFields (f: Partial<Frame>): void {
  if (f.id != null && f.id !== 0) { varint(8); varint(f.id >>> 0) }
  if (f.response === true) { varint(16); varint(1) }
  if (f.op != null && f.op !== Op.NONE) {
    const op = OP_NUMBER.get(f.op)
    if (op === undefined) throw new FrameFormatError(`unknown op ${String(f.op)}`)
    varint(24)
    varint(op)
  }
  if (f.keyspace != null && f.keyspace !== '') string(4, f.keyspace)
  for (const key of f.keys ?? []) string(5, key)
  for (const e of f.entries ?? []) { const at = begin(6); entry(e); end(at) }
  if (f.version != null && f.version !== 0n) { varint(56); uint64(f.version) }
  if (f.expiresAt != null && f.expiresAt !== 0n) { varint(64); uint64(f.expiresAt) }
  for (const found of f.found ?? []) { varint(72); varint(found ? 1 : 0) }
  if (f.lease != null && f.lease !== 0n) { varint(80); uint64(f.lease) }
  if (f.canLoad === true) { varint(88); varint(1) }
  if (f.errorCode != null && f.errorCode !== '') string(12, f.errorCode)
  if (f.errorMessage != null && f.errorMessage !== '') string(13, f.errorMessage)
  for (const m of f.members ?? []) { const at = begin(14); member(m); end(at) }
  for (const name of f.names ?? []) string(15, name)
  if (f.waitMs != null && f.waitMs !== 0) { varint(128); varint(f.waitMs >>> 0) }
  if (f.mesh != null && f.mesh !== '') string(17, f.mesh)
  if (f.forwarded === true) { varint(144); varint(1) }
  if (f.view != null && f.view !== '') string(19, f.view)
  if (f.epoch != null && f.epoch !== 0n) { varint(160); uint64(f.epoch) }
  if (f.seq != null && f.seq !== 0n) { varint(168); uint64(f.seq) }
  for (const m of f.dead ?? []) { const at = begin(22); member(m); end(at) }
  if (f.settling === true) { varint(184); varint(1) }
}

/** Writes `write` into the scratch buffer and copies it out, behind its varint length when `prefixed`. */
function written (write: () => void, prefixed: boolean): Uint8Array {
  pos = 0
  write()
  const length = pos
  if (!prefixed) return scratch.slice(0, length)
  const prefix = varintLength(length)
  const out = new Uint8Array(prefix + length)
  let value = length
  let at = 0
  while (value > 0x7f) {
    out[at++] = (value & 0x7f) | 0x80
    value >>>= 7
  }
  out[at] = value
  out.set(scratch.subarray(0, length), prefix)
  return out
}

/** The frame's protobuf bytes. */
export function encodeBody (frame: Partial<Frame>): Uint8Array {
  return written(() => { frameFields(frame) }, false)
}

/** The frame as it goes on the stream: varint length, then its protobuf bytes. */
export function encodeFramed (frame: Partial<Frame>): Uint8Array {
  return written(() => { frameFields(frame) }, true)
}

/**
 * A frame made of an encoded part many frames share and this one's own
 * fields: protobuf merges concatenated messages field by field.
 */
export function encodeFramedFrom (shared: Uint8Array, own: Partial<Frame>): Uint8Array {
  return written(() => {
    reserve(shared.byteLength)
    scratch.set(shared, 0)
    pos = shared.byteLength
    frameFields(own)
  }, true)
}
