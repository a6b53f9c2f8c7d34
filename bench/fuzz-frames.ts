/**
 * fast-check arbitraries for the wire protocol: request frames of every op
 * with hostile field values, and byte streams built from encoded frames by
 * mutation (bit flips, truncation, duplication, forged length prefixes,
 * splices of random bytes) or made of random bytes alone.
 * Shared by test/fuzz (a fixed-seed subset) and bench/fuzz.ts (1 M cases).
 */
import fc from 'fast-check'
import * as varint from 'uint8-varint'
import { ErrorCodes } from '../src/errors.js'
import { encodeFrame } from '../src/protocol/codec.js'
import { Op } from '../src/protocol/frame.js'
import type { Entry, Frame, Member } from '../src/protocol/frame.js'

/** The mesh the fuzzed peer serves; JOIN frames name it most of the time. */
export const MESH = 'fuzz'

const OPS = Object.values(Op).filter((op): op is Op => typeof op === 'string')

const U64_MAX = (1n << 64n) - 1n
/** A stamp near now, as hybrid clocks make them (ms << 16 | counter). */
const NOW_STAMP = BigInt(Date.UTC(2026, 0, 1)) << 16n

/**
 * uint64 fields: boundaries, plausible stamps and times, and anything in range
 * (protons wraps or garbles a bigint outside it: byte mutations cover that).
 */
const u64 = fc.oneof(
  fc.constantFrom(0n, 1n, 2n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, U64_MAX - 1n, U64_MAX),
  fc.bigInt({ min: NOW_STAMP - 1_000_000n, max: NOW_STAMP + 1_000_000n }),
  fc.bigInt({ min: 0n, max: BigInt(Date.UTC(2100, 0, 1)) }),
  fc.bigInt({ min: 0n, max: U64_MAX })
)

/** Lease tokens: small ones, so a FILL often names the lease a LEASE just granted. */
const token = fc.oneof({ arbitrary: fc.bigInt({ min: 0n, max: 4n }), weight: 4 }, { arbitrary: u64, weight: 1 })

const u32 = fc.oneof(
  fc.constantFrom(0, 1, 5, 0x7fffffff, 0x80000000, 0xffffffff, -1),
  fc.nat({ max: 50 }),
  fc.nat({ max: 0xffffffff })
)

/** One code point, ASCII half the time, lone surrogates included (fc.string's 'binary' unit takes seconds to set up). */
const codePoint = fc.oneof(fc.nat({ max: 0x7f }), fc.nat({ max: 0x10ffff })).map(c => String.fromCodePoint(c))
const text = fc.string({ unit: codePoint, maxLength: 12 })

/** Keys and names: a small pool (so frames of one case meet), edge cases, and anything. */
const key = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'c', 'undefined', '__proto__'), weight: 6 },
  { arbitrary: fc.constantFrom('', '\ud800', 'k'.repeat(1025), 'é'.repeat(600), '\u0000'), weight: 1 },
  { arbitrary: text, weight: 2 }
)
const keyspace = fc.oneof(
  { arbitrary: fc.constantFrom('default', 'ks'), weight: 6 },
  { arbitrary: fc.constantFrom('', '__proto__', 'x'.repeat(200), 'a\u0000b'), weight: 1 },
  { arbitrary: text, weight: 1 }
)

/** Encoded values: well-formed ones (JSON, bytes, the miss marker) and bad tags, empty, broken JSON. */
const utf8 = new TextEncoder()
const value = fc.oneof(
  fc.oneof(fc.constantFrom('null', '{"a":[1,"b"]}', '-0.5e3', '"\\ud800"'), text.map(t => JSON.stringify(t))).map(json => Uint8Array.of(0, ...utf8.encode(json))),
  fc.uint8Array({ maxLength: 16 }).map(bytes => Uint8Array.of(1, ...bytes)),
  fc.constantFrom(Uint8Array.of(2), new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0, 0x7b), Uint8Array.of(7, 1, 2)),
  fc.uint8Array({ maxLength: 24 })
)

const entry: fc.Arbitrary<Partial<Entry>> = fc.record({
  keyspace, key, value, version: u64, expiresAt: u64, staleAt: u64
}, { requiredKeys: [] })

const errorCode = fc.oneof(
  { arbitrary: fc.constant(''), weight: 4 },
  { arbitrary: fc.constantFrom(...Object.values(ErrorCodes)), weight: 1 },
  { arbitrary: text, weight: 1 }
)

/** Peer ids a frame may name: index i stands for peer i of the harness, -1 for a garbage id. */
export const peerRef = fc.oneof({ arbitrary: fc.nat({ max: 2 }), weight: 6 }, { arbitrary: fc.constant(-1), weight: 1 })

/** A member as a frame carries it; `peerId` is a peerRef resolved by the harness. */
export interface MemberSpec { peer: number, member: Omit<Partial<Member>, 'peerId'> }
const member: fc.Arbitrary<MemberSpec> = fc.record({
  peer: peerRef,
  member: fc.record({
    role: fc.constantFrom('owner', 'client', '', 'admin'),
    weight: fc.oneof(fc.constantFrom(1, 1000, 1000.5, 0, -1, Number.NaN, Infinity, 5e-324), fc.double()),
    incarnation: u64,
    addrs: fc.array(fc.oneof(fc.constant('/ip4/10.0.0.1/tcp/4001'), fc.constant('not a multiaddr'), text), { maxLength: 3 })
  }, { requiredKeys: [] })
})

/** A request frame without its members; FrameSpec adds them once peer ids are known. */
export interface FrameSpec { frame: Partial<Frame>, members: MemberSpec[] }

/** Which fields each op reads. */
const FIELDS: Record<Op, Array<Exclude<keyof Frame, 'id' | 'response' | 'op'>>> = {
  [Op.NONE]: [],
  [Op.GET]: ['keyspace', 'keys'],
  [Op.SET]: ['entries'],
  [Op.DELETE]: ['keyspace', 'keys', 'version'],
  [Op.EXPIRE]: ['keyspace', 'keys', 'version', 'expiresAt'],
  [Op.LEASE]: ['keyspace', 'keys', 'canLoad', 'waitMs'],
  [Op.FILL]: ['keyspace', 'keys', 'lease', 'entries', 'errorCode', 'errorMessage'],
  [Op.JOIN]: ['mesh', 'members'],
  [Op.HANDOFF]: ['entries'],
  [Op.LEAVE]: [],
  [Op.KEYSPACES]: [],
  [Op.DROP_KEYSPACE]: ['keyspace'],
  [Op.PING]: [],
  [Op.INVALIDATE]: ['entries', 'epoch', 'seq']
}

/** Every field but members (which name peers: see MemberSpec). */
const FIELD_VALUES = {
  keyspace,
  keys: fc.oneof(
    { arbitrary: fc.array(key, { minLength: 1, maxLength: 4 }), weight: 8 },
    { arbitrary: fc.constant([]), weight: 1 },
    { arbitrary: fc.array(key, { maxLength: 40 }), weight: 1 }
  ),
  entries: fc.array(entry, { maxLength: 4 }),
  version: u64,
  expiresAt: u64,
  found: fc.array(fc.boolean(), { maxLength: 4 }),
  lease: token,
  canLoad: fc.boolean(),
  errorCode,
  errorMessage: text,
  names: fc.array(keyspace, { maxLength: 3 }),
  waitMs: u32,
  epoch: u64,
  seq: u64,
  mesh: fc.oneof({ arbitrary: fc.constant(MESH), weight: 5 }, { arbitrary: fc.constantFrom('', 'other'), weight: 1 })
}
type FieldName = keyof typeof FIELD_VALUES

/** Sometimes one field the op does not read. */
const stray = fc.option(fc.oneof(...(Object.keys(FIELD_VALUES) as FieldName[]).map(name => fc.record({ [name]: FIELD_VALUES[name] }))), { freq: 4 })

function requestOf (op: Op): fc.Arbitrary<FrameSpec> {
  const read = FIELDS[op].filter((f): f is FieldName => f !== 'members')
  return fc.record({
    id: u32,
    response: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
    fields: fc.record(Object.fromEntries(read.map(f => [f, FIELD_VALUES[f]])) as Record<FieldName, fc.Arbitrary<unknown>>),
    stray,
    members: FIELDS[op].includes('members') ? fc.array(member, { maxLength: 3 }) : fc.constant<MemberSpec[]>([])
  }).map(({ id, response, fields, stray, members }) => ({ frame: { op, id, response, ...stray, ...fields } as Partial<Frame>, members }))
}

/** A request of any op (NONE included) with the fields it reads, random values, and sometimes one stray field. */
export const frameSpec: fc.Arbitrary<FrameSpec> = fc.oneof(...OPS.map(requestOf))

/** A frame with its members' peer ids replaced by `anyPeer` (a garbage id for -1). */
export function resolveFrame (spec: FrameSpec, peerIds: string[]): Partial<Frame> {
  if (spec.members.length === 0) return spec.frame
  return {
    ...spec.frame,
    members: spec.members.map(m => ({ peerId: m.peer < 0 ? 'Qm-not-a-peer' : peerIds[m.peer], role: '', weight: 0, incarnation: 0n, addrs: [], ...m.member }))
  }
}

// ---------------------------------------------------------------------------
// Byte streams

/** An edit of an encoded stream; positions are taken modulo its length when applied. */
export type Mutation =
  | { kind: 'flip', at: number, bit: number }
  | { kind: 'set', at: number, byte: number }
  | { kind: 'truncate', at: number }
  | { kind: 'duplicate', at: number, length: number }
  | { kind: 'delete', at: number, length: number }
  | { kind: 'insert', at: number, bytes: Uint8Array }
  | { kind: 'prefix', at: number, length: number }

const at = fc.nat({ max: 1 << 16 })
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at, byte: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at }),
  fc.record({ kind: fc.constant('duplicate' as const), at, length: fc.nat({ max: 64 }) }),
  fc.record({ kind: fc.constant('delete' as const), at, length: fc.nat({ max: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  // A forged length prefix: tiny, at the bound, just over it, huge, or the 5-byte maximum.
  fc.record({ kind: fc.constant('prefix' as const), at, length: fc.oneof(fc.nat({ max: 300 }), fc.constantFrom(0x7fffffff, 0xffffffff, 2 ** 35 - 1), fc.nat({ max: 4 << 20 })) })
)

export function mutate (bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.byteLength
  const i = n === 0 ? 0 : m.at % (n + 1)
  switch (m.kind) {
    case 'flip':
    case 'set': {
      if (n === 0) return bytes
      const out = bytes.slice()
      const j = m.at % n
      out[j] = m.kind === 'flip' ? out[j] ^ (1 << m.bit) : m.byte
      return out
    }
    case 'truncate': return bytes.subarray(0, i)
    case 'duplicate': return concat(bytes.subarray(0, i + m.length), bytes.subarray(i))
    case 'delete': return concat(bytes.subarray(0, i), bytes.subarray(i + m.length))
    case 'insert': return concat(bytes.subarray(0, i), m.bytes, bytes.subarray(i))
    case 'prefix': return concat(bytes.subarray(0, i), varint.encode(m.length), bytes.subarray(i))
  }
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0))
  let offset = 0
  for (const part of parts) { out.set(part, offset); offset += part.byteLength }
  return out
}

/** Encoded request frames, back to back (members name placeholder peer ids: the bytes are what matter here). */
export const validStream = fc.array(frameSpec, { minLength: 1, maxLength: 3 })
  .map(specs => concat(...specs.map(s => encodeFrame(resolveFrame(s, ['peer-0', 'peer-1', 'peer-2'])))))

/** What a hostile or broken peer may send: mutated frames most often, else random bytes. */
export const hostileStream: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.tuple(validStream, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([bytes, ms]) => ms.reduce(mutate, bytes)), weight: 6 },
  { arbitrary: fc.tuple(validStream, fc.uint8Array({ maxLength: 32 })).map(([bytes, junk]) => concat(bytes, junk)), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 256 }), weight: 2 },
  { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 }
)

/** Cut points (fractions of the length) at which a stream arrives in pieces. */
export const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 })

export function split (bytes: Uint8Array, fractions: number[]): Uint8Array[] {
  const points = fractions.map(f => Math.floor(f * bytes.byteLength)).sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let from = 0
  for (const point of [...points, bytes.byteLength]) {
    chunks.push(bytes.subarray(from, point))
    from = point
  }
  return chunks
}
