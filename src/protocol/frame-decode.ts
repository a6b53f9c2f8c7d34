/**
 * Protobuf bytes to frames (frame-codec.ts says why by hand): every length
 * and wire type is checked as it is read, so a malformed frame throws and
 * never reads past its end.
 */
import { Op } from './frame.js'
import { DELIMITED, FIXED32, FIXED64, FrameFormatError, OPS, VARINT } from './frame-wire.js'
import type { DecodeLimits } from './frame-wire.js'
import type { Entry, Frame, Member } from './frame.js'

const fromUtf8 = new TextDecoder()

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
