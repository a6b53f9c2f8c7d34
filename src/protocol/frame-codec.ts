/**
 * Frame ↔ bytes, written out by hand for frame.proto: the same protobuf bytes
 * protons would write (test/unit/protocol/frame-codec.test.ts holds the two
 * side by side), at a fraction of the cost. protons' writer builds a list of
 * small operations per field and copies them out at the end, its reader
 * decodes every string in JS, and both go through 64-bit helper objects for
 * each uint64; on the request path that was a quarter of an owner's CPU and
 * a seventh of a reader's (bench/remote.ts profiles). Here a frame is written
 * into one reused scratch buffer and copied out once, and the reader checks
 * every length and wire type as it goes: a malformed frame throws, it never
 * reads past its end.
 */
import { utf8Length, writeUtf8 } from '../util/utf8.js'
import { Op } from './frame.js'
import type { Entry, Frame, Member } from './frame.js'

/** Bounds on the repeated fields of one frame (FrameLimits.maxItems). */
export interface DecodeLimits {
  maxItems: number
}

export class FrameFormatError extends Error {}

const OPS: Op[] = [Op.NONE, Op.GET, Op.SET, Op.DELETE, Op.EXPIRE, Op.LEASE, Op.FILL, Op.JOIN, Op.HANDOFF, Op.LEAVE, Op.KEYSPACES, Op.DROP_KEYSPACE, Op.PING, Op.INVALIDATE]
const OP_NUMBER = new Map<Op, number>(OPS.map((op, i) => [op, i]))

const VARINT = 0
const FIXED64 = 1
const DELIMITED = 2
const FIXED32 = 5

const fromUtf8 = new TextDecoder()

// ---------------------------------------------------------------------------
// Writing

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

// ---------------------------------------------------------------------------
// Reading

// The reader's state, like the writer's: one frame is read at a time.
let buf: Uint8Array = new Uint8Array(0)
let at = 0

function readVarint (end: number): number {
  if (at < end && buf[at] < 0x80) return buf[at++]
  let value = 0
  // A multiplier, not 2 ** shift: a variable exponent costs ~40 ns each time.
  for (let i = 0, scale = 1; i < 5; i++, scale *= 128) {
    if (at >= end) throw new FrameFormatError('truncated varint')
    const b = buf[at++]
    value += (b & 0x7f) * scale
    if (b < 0x80) return value >>> 0
  }
  // Longer varints (a negative int32 is ten bytes): the low 32 bits count.
  for (let i = 0; i < 5; i++) {
    if (at >= end) throw new FrameFormatError('truncated varint')
    if (buf[at++] < 0x80) return value >>> 0
  }
  throw new FrameFormatError('varint is longer than 10 bytes')
}

function readUint64 (end: number): bigint {
  let lo = 0
  let hi = 0
  for (let i = 0, scale = 1; i < 10; i++, scale *= 128) {
    if (at >= end) throw new FrameFormatError('truncated varint')
    const b = buf[at++]
    if (i < 4) lo += (b & 0x7f) * scale
    else if (i === 4) {
      lo += (b & 0x0f) * 0x10000000
      hi = (b & 0x7f) >> 4
      scale = 1 / 16 // bit 35 is bit 3 of the high word: the next byte scales by 8
    } else hi += (b & 0x7f) * scale
    if (b < 0x80) {
      hi = hi % 0x100000000
      // One BigInt when the value fits a double exactly (under 2^53), three otherwise.
      return hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : BigInt(hi) * 0x100000000n + BigInt(lo)
    }
  }
  throw new FrameFormatError('varint is longer than 10 bytes')
}

/** Moves past a length-delimited field; returns where its bytes start (they end at `at`). */
function readDelimited (end: number): number {
  const length = readVarint(end)
  const start = at
  if (length > end - start) throw new FrameFormatError('a field runs past the end of its message')
  at = start + length
  return start
}

function readString (end: number): string {
  const start = readDelimited(end)
  // Keys are mostly short and ASCII: built in JS, they cost half of a TextDecoder call.
  if (at - start <= 16) {
    let text = ''
    for (let i = start; i < at; i++) {
      const c = buf[i]
      if (c >= 0x80) return fromUtf8.decode(buf.subarray(start, at))
      text += String.fromCharCode(c)
    }
    return text
  }
  return fromUtf8.decode(buf.subarray(start, at))
}

function readBytes (end: number): Uint8Array {
  const start = readDelimited(end)
  return buf.subarray(start, at)
}

function readDouble (end: number): number {
  if (end - at < 8) throw new FrameFormatError('truncated double')
  const value = new DataView(buf.buffer, buf.byteOffset + at, 8).getFloat64(0, true)
  at += 8
  return value
}

function skip (wireType: number, end: number): void {
  let bytes = 0
  switch (wireType) {
    case VARINT: readUint64(end); return
    case DELIMITED: readDelimited(end); return
    case FIXED64: bytes = 8; break
    case FIXED32: bytes = 4; break
    default: throw new FrameFormatError(`wire type ${wireType} is not one protobuf messages use here`)
  }
  if (end - at < bytes) throw new FrameFormatError('truncated field')
  at += bytes
}

/** Where a nested message ends (reading goes on inside it). */
function nestedEnd (end: number): number {
  const length = readVarint(end)
  if (length > end - at) throw new FrameFormatError('a message runs past the end of the one it is in')
  return at + length
}

function expect (wireType: number, wanted: number, field: string): void {
  if (wireType !== wanted) throw new FrameFormatError(`field ${field} has wire type ${wireType}, not ${wanted}`)
}

function bounded (list: unknown[], limits: DecodeLimits, field: string): void {
  if (list.length >= limits.maxItems) throw new FrameFormatError(`field ${field} has more than ${limits.maxItems} items`)
}

function readEntry (end: number): Entry {
  const e: Entry = { keyspace: '', key: '', value: EMPTY_BYTES, version: 0n, expiresAt: 0n, staleAt: 0n }
  while (at < end) {
    const tag = readVarint(end)
    const wireType = tag & 7
    switch (tag >>> 3) {
      case 1: expect(wireType, DELIMITED, 'keyspace'); e.keyspace = readString(end); break
      case 2: expect(wireType, DELIMITED, 'key'); e.key = readString(end); break
      case 3: expect(wireType, DELIMITED, 'value'); e.value = readBytes(end); break
      case 4: expect(wireType, VARINT, 'version'); e.version = readUint64(end); break
      case 5: expect(wireType, VARINT, 'expiresAt'); e.expiresAt = readUint64(end); break
      case 6: expect(wireType, VARINT, 'staleAt'); e.staleAt = readUint64(end); break
      default: skip(wireType, end)
    }
  }
  return e
}

function readMember (end: number, limits: DecodeLimits): Member {
  const m: Member = { peerId: '', role: '', weight: 0, incarnation: 0n, addrs: [] }
  while (at < end) {
    const tag = readVarint(end)
    const wireType = tag & 7
    switch (tag >>> 3) {
      case 1: expect(wireType, DELIMITED, 'peerId'); m.peerId = readString(end); break
      case 2: expect(wireType, DELIMITED, 'role'); m.role = readString(end); break
      case 3: expect(wireType, FIXED64, 'weight'); m.weight = readDouble(end); break
      case 4: expect(wireType, VARINT, 'incarnation'); m.incarnation = readUint64(end); break
      case 5: expect(wireType, DELIMITED, 'addrs'); bounded(m.addrs, limits, 'addrs'); m.addrs.push(readString(end)); break
      default: skip(wireType, end)
    }
  }
  return m
}

const EMPTY_BYTES = new Uint8Array(0)

/** A frame from its protobuf bytes; throws FrameFormatError on anything malformed or over `limits`. */
export function decodeFrame (bytes: Uint8Array, limits: DecodeLimits): Frame {
  const f: Frame = {
    id: 0, response: false, op: Op.NONE, keyspace: '', keys: [], entries: [], version: 0n, expiresAt: 0n, found: [], lease: 0n,
    canLoad: false, errorCode: '', errorMessage: '', members: [], names: [], waitMs: 0, mesh: '', forwarded: false, view: '',
    epoch: 0n, seq: 0n, dead: [], settling: false
  }
  buf = bytes
  at = 0
  const end = bytes.byteLength
  try {
    while (at < end) {
      const tag = readVarint(end)
      const wireType = tag & 7
      switch (tag >>> 3) {
        case 1: expect(wireType, VARINT, 'id'); f.id = readVarint(end); break
        case 2: expect(wireType, VARINT, 'response'); f.response = readVarint(end) !== 0; break
        case 3: {
          expect(wireType, VARINT, 'op')
          const op = OPS[readVarint(end)]
          if (op === undefined) throw new FrameFormatError('unknown op')
          f.op = op
          break
        }
        case 4: expect(wireType, DELIMITED, 'keyspace'); f.keyspace = readString(end); break
        case 5: expect(wireType, DELIMITED, 'keys'); bounded(f.keys, limits, 'keys'); f.keys.push(readString(end)); break
        case 6: expect(wireType, DELIMITED, 'entries'); bounded(f.entries, limits, 'entries'); f.entries.push(readEntry(nestedEnd(end))); break
        case 7: expect(wireType, VARINT, 'version'); f.version = readUint64(end); break
        case 8: expect(wireType, VARINT, 'expiresAt'); f.expiresAt = readUint64(end); break
        case 9:
          if (wireType === DELIMITED) {
            // Packed, as proto3 writers other than protons send repeated scalars.
            const packedEnd = nestedEnd(end)
            while (at < packedEnd) { bounded(f.found, limits, 'found'); f.found.push(readVarint(packedEnd) !== 0) }
          } else {
            expect(wireType, VARINT, 'found')
            bounded(f.found, limits, 'found')
            f.found.push(readVarint(end) !== 0)
          }
          break
        case 10: expect(wireType, VARINT, 'lease'); f.lease = readUint64(end); break
        case 11: expect(wireType, VARINT, 'canLoad'); f.canLoad = readVarint(end) !== 0; break
        case 12: expect(wireType, DELIMITED, 'errorCode'); f.errorCode = readString(end); break
        case 13: expect(wireType, DELIMITED, 'errorMessage'); f.errorMessage = readString(end); break
        case 14: expect(wireType, DELIMITED, 'members'); bounded(f.members, limits, 'members'); f.members.push(readMember(nestedEnd(end), limits)); break
        case 15: expect(wireType, DELIMITED, 'names'); bounded(f.names, limits, 'names'); f.names.push(readString(end)); break
        case 16: expect(wireType, VARINT, 'waitMs'); f.waitMs = readVarint(end); break
        case 17: expect(wireType, DELIMITED, 'mesh'); f.mesh = readString(end); break
        case 18: expect(wireType, VARINT, 'forwarded'); f.forwarded = readVarint(end) !== 0; break
        case 19: expect(wireType, DELIMITED, 'view'); f.view = readString(end); break
        case 20: expect(wireType, VARINT, 'epoch'); f.epoch = readUint64(end); break
        case 21: expect(wireType, VARINT, 'seq'); f.seq = readUint64(end); break
        case 22: expect(wireType, DELIMITED, 'dead'); bounded(f.dead, limits, 'dead'); f.dead.push(readMember(nestedEnd(end), limits)); break
        case 23: expect(wireType, VARINT, 'settling'); f.settling = readVarint(end) !== 0; break
        default: skip(wireType, end)
      }
    }
  } finally {
    // The frame's bytes are not held past its decoding.
    buf = EMPTY_BYTES
  }
  return f
}
