/**
 * The hand-written frame codec against the one protons generates from
 * frame.proto: byte for byte the same encoding, the same decoded frame, for
 * random frames of every field, and the reader's own bounds.
 */
import { describe, expect, it } from 'vitest'
import { prng } from '../../../bench/prng.js'
import { FrameFormatError, decodeFrame, encodeBody, encodeFramed, encodeFramedFrom } from '../../../src/protocol/frame-codec.js'
import { Frame, Op } from '../../../src/protocol/frame.js'
import { encodeExact } from '../../../src/util/wire.js'
import type { Entry, Member } from '../../../src/protocol/frame.js'

const LIMITS = { maxItems: 1000 }
const OPS = Object.values(Op).filter((op): op is Op => typeof op === 'string')

/** protons' bytes for a frame (encodeExact: protons with its uint64 slip corrected). */
const protons = (frame: Partial<Frame>): Uint8Array => encodeExact(Frame.codec(), frame)

function randomFrames (seed: number, count: number): Array<Partial<Frame>> {
  const random = prng(seed)
  const int = (n: number): number => Math.floor(random() * n)
  const pick = <T>(items: T[]): T => items[int(items.length)]
  const text = (): string => pick(['', 'a', 'key:123', 'ключ', '🙂x', 'é'.repeat(70), 'k'.repeat(int(200)), '\u{10FFFF}'])
  const bytes = (): Uint8Array => Uint8Array.from({ length: pick([0, 1, 100, 127, 128, 300, 20_000]) }, () => int(256))
  const u64 = (): bigint => pick([0n, 1n, 127n, 128n, 2n ** 31n - 1n, 2n ** 31n, 3_000_000_000n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, (1_700_000_000_000n << 16n) | 42n, 2n ** 63n, 2n ** 64n - 1n])
  const u32 = (): number => pick([0, 1, 127, 128, 16_384, 2 ** 31, 2 ** 32 - 1])
  const list = <T>(make: () => T): T[] => Array.from({ length: pick([0, 0, 1, 3]) }, make)
  const entry = (): Entry => ({ keyspace: text(), key: text(), value: bytes(), version: u64(), expiresAt: u64(), staleAt: u64() })
  const member = (): Member => ({ peerId: text(), role: pick(['', 'owner', 'client']), weight: pick([0, 1, 0.5, -2.25, 1e300]), incarnation: u64(), addrs: list(text) })
  return Array.from({ length: count }, () => {
    const frame: Partial<Frame> = {}
    // Each field present or not, so defaults and their omission are covered too.
    if (random() < 0.7) frame.id = u32()
    if (random() < 0.5) frame.response = random() < 0.5
    if (random() < 0.8) frame.op = pick(OPS)
    if (random() < 0.5) frame.keyspace = text()
    if (random() < 0.5) frame.keys = list(text)
    if (random() < 0.5) frame.entries = list(entry)
    if (random() < 0.3) frame.version = u64()
    if (random() < 0.3) frame.expiresAt = u64()
    if (random() < 0.5) frame.found = list(() => random() < 0.5)
    if (random() < 0.3) frame.lease = u64()
    if (random() < 0.3) frame.canLoad = random() < 0.5
    if (random() < 0.3) frame.errorCode = text()
    if (random() < 0.3) frame.errorMessage = text()
    if (random() < 0.3) frame.members = list(member)
    if (random() < 0.3) frame.names = list(text)
    if (random() < 0.3) frame.waitMs = u32()
    if (random() < 0.3) frame.mesh = text()
    if (random() < 0.3) frame.forwarded = random() < 0.5
    if (random() < 0.3) frame.view = text()
    if (random() < 0.3) frame.epoch = u64()
    if (random() < 0.3) frame.seq = u64()
    if (random() < 0.3) frame.dead = list(member)
    if (random() < 0.3) frame.settling = random() < 0.5
    return frame
  })
}

describe('frame codec', () => {
  it('encodes every frame to the bytes protons writes, and decodes those bytes to what protons reads', () => {
    for (const frame of randomFrames(42, 600)) {
      const expected = protons(frame)
      expect(encodeBody(frame)).toEqual(expected)
      expect(decodeFrame(expected, LIMITS)).toStrictEqual(Frame.decode(expected))
    }
  })

  it('prefixes a framed frame with its varint length, whatever the length takes (1 to 3 bytes)', () => {
    for (const size of [0, 100, 200, 20_000, 300_000]) {
      const frame = { op: Op.SET, entries: [{ keyspace: 'k', key: 'x', value: new Uint8Array(size).fill(9), version: 1n, expiresAt: 0n, staleAt: 0n }] }
      const body = protons(frame)
      const framed = encodeFramed(frame)
      let length = 0
      let prefix = 0
      for (let shift = 0; ; shift += 7) {
        const b = framed[prefix++]
        length += (b & 0x7f) * 2 ** shift
        if (b < 0x80) break
      }
      expect(length).toBe(body.byteLength)
      expect(framed.subarray(prefix)).toEqual(body)
    }
  })

  it('a frame from a shared body and its own fields decodes as both merged', () => {
    const shared = encodeBody({ op: Op.INVALIDATE, entries: [{ keyspace: 's', key: 'a', value: new Uint8Array(0), version: 5n, expiresAt: 0n, staleAt: 0n }] })
    const framed = encodeFramedFrom(shared, { epoch: 7n, seq: 3_000_000_000n })
    const frame = decodeFrame(framed.subarray(framed[0] < 0x80 ? 1 : 2), LIMITS)
    expect([frame.op, frame.entries.map(e => e.key), frame.epoch, frame.seq]).toEqual([Op.INVALIDATE, ['a'], 7n, 3_000_000_000n])
  })

  it('reads packed repeated bools as proto3 writers other than protons send them', () => {
    // found (field 9), packed: tag 0x4a, 3 bytes, true false true.
    expect(decodeFrame(Uint8Array.from([0x4a, 3, 1, 0, 1]), LIMITS).found).toEqual([true, false, true])
  })

  it('skips fields it does not know, of every wire type', () => {
    // field 30 as varint, fixed64, length-delimited and fixed32, then id = 5.
    const unknown = Uint8Array.from([0xf0, 0x01, 0x96, 0x01, 0xf1, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0xf2, 0x01, 2, 9, 9, 0xf5, 0x01, 1, 2, 3, 4, 0x08, 5])
    expect(decodeFrame(unknown, LIMITS).id).toBe(5)
  })

  it('throws FrameFormatError on truncation, a known field of the wrong wire type, an unknown op or too many items', () => {
    const bad = [
      Uint8Array.from([0x08]), // id without its value
      Uint8Array.from([0x22, 5, 0x61]), // keyspace of 5 bytes, 1 present
      Uint8Array.from([0x21, 0, 0, 0, 0, 0, 0, 0, 0]), // keyspace as fixed64
      Uint8Array.from([0x18, 99]), // op 99
      Uint8Array.from([0x0b]), // wire type 3 (groups)
      Uint8Array.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // an 11-byte varint
      Uint8Array.from([0x32, 3, 0x12, 5, 0x61]) // an entry whose key runs past the entry
    ]
    for (const bytes of bad) expect(() => decodeFrame(bytes, LIMITS), Buffer.from(bytes).toString('hex')).toThrow(FrameFormatError)
    const keys = protons({ keys: ['a', 'b', 'c'] })
    expect(decodeFrame(keys, { maxItems: 3 }).keys).toHaveLength(3)
    expect(() => decodeFrame(keys, { maxItems: 2 })).toThrow(FrameFormatError)
    const addrs = protons({ members: [{ peerId: 'p', role: 'owner', weight: 1, incarnation: 1n, addrs: ['a', 'b', 'c'] }] })
    expect(() => decodeFrame(addrs, { maxItems: 2 })).toThrow(FrameFormatError)
  })

  it('refuses to encode an op frame.proto does not have', () => {
    expect(() => encodeBody({ op: 'BOGUS' as Op })).toThrow(FrameFormatError)
  })
})
