import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { MeshCacheError } from '../../../src/errors.js'
import { FrameDecoder, encodeFrame, encodeFrameBody, encodeFrameFrom } from '../../../src/protocol/codec.js'
import { Frame, Op } from '../../../src/protocol/frame.js'
import type { FrameLimits } from '../../../src/protocol/codec.js'
import { prng as rng } from '../../../bench/prng.js'

const LIMITS: FrameLimits = { maxFrameBytes: 1024, maxItems: 4 }

function decodeAll (chunks: Array<Uint8Array | Uint8ArrayList>, limits = LIMITS): Frame[] {
  const decoder = new FrameDecoder(limits)
  const frames: Frame[] = []
  for (const chunk of chunks) frames.push(...decoder.push(chunk))
  return frames
}

function errorOf (fn: () => unknown): MeshCacheError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(MeshCacheError)
    return err as MeshCacheError
  }
  throw new Error('expected a throw')
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}


const sample: Partial<Frame> = {
  id: 0xfffffffe,
  response: true,
  op: Op.SET,
  keyspace: 'users',
  keys: ['a', 'ключ', '🙂'],
  entries: [
    { keyspace: 'users', key: 'a', value: new Uint8Array([0, 1, 255]), version: (1_700_000_000_000n << 16n) | 42n, expiresAt: 1_700_000_060_000n, staleAt: 1_700_000_050_000n },
    { keyspace: 'users', key: 'b', value: new Uint8Array(0), version: 2n ** 64n - 1n, expiresAt: 0n, staleAt: 0n }
  ],
  version: 2n ** 63n + 5n,
  expiresAt: 123n,
  found: [true, false, true],
  lease: 9_007_199_254_740_993n, // above 2^53: must stay exact
  canLoad: true,
  errorCode: 'ERR_TIMEOUT',
  errorMessage: 'late',
  members: [{ peerId: '12D3KooWabc', role: 'owner', weight: 1.5, incarnation: 1_700_000_000_000n, addrs: ['/ip4/127.0.0.1/tcp/1'] }],
  names: ['users', 'orders'],
  waitMs: 5000,
  mesh: 'orders',
  forwarded: true,
  view: '0123456789abcdef',
  epoch: 1_700_000_000_000n * 1024n,
  seq: 3_000_000_000n, // in [2^31, 2^32), which protons alone garbles
  dead: [{ peerId: '12D3KooWdef', role: '', weight: 0, incarnation: 1_700_000_000_001n, addrs: [] }],
  settling: true
}

describe('encodeFrame / FrameDecoder', () => {
  it('round-trips a frame with every field, entries and 64-bit numbers exactly', () => {
    const [frame] = decodeAll([encodeFrame(sample)])
    expect(frame).toStrictEqual(sample)
  })

  it('merges a shared body and a frame\'s own fields (encodeFrameFrom) into one frame', () => {
    const shared = encodeFrameBody({ op: Op.INVALIDATE, entries: sample.entries })
    const [frame] = decodeAll([encodeFrameFrom(shared, { epoch: 7n, seq: 3_000_000_000n })], { maxFrameBytes: 1024, maxItems: 4 })
    expect(frame.op).toBe(Op.INVALIDATE)
    expect(frame.entries).toStrictEqual(sample.entries)
    expect([frame.id, frame.epoch, frame.seq]).toEqual([0, 7n, 3_000_000_000n])
  })

  it('fills in defaults for fields a frame leaves out', () => {
    const [frame] = decodeAll([encodeFrame({ id: 7, op: Op.PING })])
    expect(frame.id).toBe(7)
    expect(frame.op).toBe(Op.PING)
    expect(frame.response).toBe(false)
    expect(frame.keys).toEqual([])
    expect(frame.entries).toEqual([])
    expect(frame.version).toBe(0n)
    expect(frame.errorCode).toBe('')
  })

  it('prefixes the body with its varint length', () => {
    const bytes = encodeFrame(sample)
    const length = varint.decode(bytes)
    expect(varint.encodingLength(length) + length).toBe(bytes.byteLength)
    expect(Frame.decode(bytes.subarray(varint.encodingLength(length)))).toStrictEqual(sample)
  })

  it('decodes a frame delivered one byte at a time, yielding nothing until the last byte', () => {
    const bytes = encodeFrame(sample)
    const decoder = new FrameDecoder(LIMITS)
    for (let i = 0; i < bytes.byteLength - 1; i++) {
      expect([...decoder.push(bytes.subarray(i, i + 1))]).toEqual([])
    }
    const frames = [...decoder.push(bytes.subarray(bytes.byteLength - 1))]
    expect(frames).toStrictEqual([sample])
  })

  it('decodes many frames from one chunk, in order', () => {
    const chunk = concat(...Array.from({ length: 50 }, (_, i) => encodeFrame({ id: i + 1, op: Op.GET, keys: [`k${i}`] })))
    const frames = decodeAll([chunk])
    expect(frames.map(f => f.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(frames[49].keys).toEqual(['k49'])
  })

  it('decodes frames split at arbitrary points, including Uint8ArrayList chunks', () => {
    const random = rng(7)
    const frames = Array.from({ length: 30 }, (_, i) => encodeFrame({ id: i + 1, errorMessage: 'x'.repeat(Math.floor(random() * 300)) }))
    const all = concat(...frames)
    const chunks: Array<Uint8Array | Uint8ArrayList> = []
    let at = 0
    while (at < all.byteLength) {
      const size = 1 + Math.floor(random() * 200)
      const piece = all.subarray(at, at + size)
      chunks.push(chunks.length % 2 === 0 ? piece : new Uint8ArrayList(piece.subarray(0, 1), piece.subarray(1)))
      at += size
    }
    expect(decodeAll(chunks).map(f => f.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
  })

  it('decodes an empty (zero-length) frame as a frame of defaults', () => {
    const bytes = encodeFrame({})
    expect(Array.from(bytes)).toEqual([0])
    const frames = decodeAll([concat(bytes, encodeFrame({ id: 3 }))])
    expect(frames.map(f => f.id)).toEqual([0, 3])
  })

  it('accepts a frame of exactly maxFrameBytes and rejects one byte more', () => {
    // Field 13 (errorMessage): 1 tag byte + 2 length bytes + the text.
    const exact = encodeFrame({ errorMessage: 'm'.repeat(LIMITS.maxFrameBytes - 3) })
    expect(varint.decode(exact)).toBe(LIMITS.maxFrameBytes)
    expect(decodeAll([exact])[0].errorMessage.length).toBe(LIMITS.maxFrameBytes - 3)

    const over = encodeFrame({ errorMessage: 'm'.repeat(LIMITS.maxFrameBytes - 2) })
    expect(errorOf(() => decodeAll([over])).code).toBe('ERR_FRAME_TOO_LARGE')
  })

  it('rejects an oversized length prefix before any of the body arrives', () => {
    const prefix = varint.encode(LIMITS.maxFrameBytes + 1)
    const decoder = new FrameDecoder(LIMITS)
    expect(errorOf(() => [...decoder.push(prefix)]).code).toBe('ERR_FRAME_TOO_LARGE')

    const huge = varint.encode(0xffffffff)
    expect(errorOf(() => decodeAll([huge])).code).toBe('ERR_FRAME_TOO_LARGE')
  })

  it('rejects an oversized frame that follows good frames in the same chunk, after yielding the good ones', () => {
    const decoder = new FrameDecoder(LIMITS)
    const seen: number[] = []
    const err = errorOf(() => {
      for (const frame of decoder.push(concat(encodeFrame({ id: 1 }), encodeFrame({ id: 2 }), varint.encode(1 << 20)))) seen.push(frame.id)
    })
    expect(seen).toEqual([1, 2])
    expect(err.code).toBe('ERR_FRAME_TOO_LARGE')
  })

  it('rejects a varint length prefix longer than five bytes as malformed', () => {
    const decoder = new FrameDecoder(LIMITS)
    // Four continuation bytes may still be completed...
    expect([...decoder.push(new Uint8Array([0x80, 0x80, 0x80, 0x80]))]).toEqual([])
    // ...a fifth one cannot.
    expect(errorOf(() => [...decoder.push(new Uint8Array([0x80]))]).code).toBe('ERR_MALFORMED_FRAME')
    expect(errorOf(() => decodeAll([new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])])).code).toBe('ERR_MALFORMED_FRAME')
  })

  it('rejects a garbage body as malformed', () => {
    const bodies = [
      new Uint8Array([0xff, 0xff, 0xff]), // a tag whose varint never ends
      new Uint8Array([0x2a, 0x64, 0x61]), // keys: a string of 100 bytes with only 1 present
      new Uint8Array([0x0f]), // wire type 7 does not exist
      new Uint8Array([0x08]) // a varint field with no value
    ]
    for (const body of bodies) {
      const frame = concat(varint.encode(body.byteLength), body)
      const err = errorOf(() => decodeAll([frame]))
      expect(err.code).toBe('ERR_MALFORMED_FRAME')
    }
  })

  it('enforces the item-count limit on every repeated field', () => {
    const fields: Array<[string, (n: number) => Partial<Frame>]> = [
      ['keys', n => ({ keys: Array.from({ length: n }, (_, i) => `k${i}`) })],
      ['entries', n => ({ entries: Array.from({ length: n }, (_, i) => ({ keyspace: 's', key: `k${i}`, value: new Uint8Array([1]), version: 1n, expiresAt: 0n, staleAt: 0n })) })],
      ['found', n => ({ found: Array.from({ length: n }, () => true) })],
      ['members', n => ({ members: Array.from({ length: n }, (_, i) => ({ peerId: `p${i}`, role: 'owner', weight: 1, incarnation: 1n, addrs: [] })) })],
      ['names', n => ({ names: Array.from({ length: n }, (_, i) => `n${i}`) })]
    ]
    for (const [name, make] of fields) {
      const ok = decodeAll([encodeFrame(make(LIMITS.maxItems))])[0] as unknown as Record<string, unknown[]>
      expect(ok[name]).toHaveLength(LIMITS.maxItems)
      const err = errorOf(() => decodeAll([encodeFrame(make(LIMITS.maxItems + 1))]))
      expect(err.code, name).toBe('ERR_MALFORMED_FRAME')
    }
  })

  it('throws only MeshCacheErrors on random byte strings', () => {
    const random = rng(0xC0FFEE)
    const codes = new Set<string>()
    let frames = 0
    for (let n = 0; n < 3000; n++) {
      const bytes = new Uint8Array(Math.floor(random() * 48))
      for (let i = 0; i < bytes.byteLength; i++) bytes[i] = Math.floor(random() * 256)
      // Keep some prefixes small so bodies actually get decoded.
      if (bytes.byteLength > 0 && random() < 0.7) bytes[0] = Math.floor(random() * bytes.byteLength)
      const decoder = new FrameDecoder({ maxFrameBytes: 64, maxItems: 4 })
      try {
        let at = 0
        while (at < bytes.byteLength) {
          const size = 1 + Math.floor(random() * 8)
          for (const frame of decoder.push(bytes.subarray(at, at + size))) {
            expect(typeof frame.id).toBe('number')
            frames++
          }
          at += size
        }
      } catch (err) {
        if (!(err instanceof MeshCacheError)) throw new Error(`non-MeshCacheError for ${Buffer.from(bytes).toString('hex')}: ${String(err)}`)
        codes.add(err.code)
      }
    }
    expect(frames).toBeGreaterThan(0)
    expect([...codes].sort()).toEqual(['ERR_FRAME_TOO_LARGE', 'ERR_MALFORMED_FRAME'])
  })

  it('throws only MeshCacheErrors on mutated valid frames', () => {
    const random = rng(99)
    const valid = encodeFrame(sample)
    for (let n = 0; n < 2000; n++) {
      const bytes = valid.slice()
      const flips = 1 + Math.floor(random() * 4)
      for (let f = 0; f < flips; f++) bytes[1 + Math.floor(random() * (bytes.byteLength - 1))] = Math.floor(random() * 256)
      try {
        decodeAll([bytes])
      } catch (err) {
        if (!(err instanceof MeshCacheError)) throw new Error(`non-MeshCacheError for ${Buffer.from(bytes).toString('hex')}: ${String(err)}`)
      }
    }
  })
})
