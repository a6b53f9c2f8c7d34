import { utf8Length, writeUtf8 } from '../util/utf8.js'

/**
 * How a key's state lies on disk. Key: the keyspace name, a 0 byte, the key,
 * in UTF-8 (names have no 0 byte, so the first one splits them). Value: a
 * kind byte, the version as two 32-bit halves, expiresAt and staleAt as
 * float64 (0 = none), then the value bytes of an entry. Little-endian.
 * Meta keys start with 0xff, a byte UTF-8 never has; near copies' keys
 * with 0xfe (another), then the same keyspace, 0 byte and key: their value
 * adds fetchedAt (float64) and the serving owner (a length byte, UTF-8).
 */
export const ENTRY = 1
export const TOMBSTONE = 2
export const NEAR = 3
const HEADER = 1 + 8 + 16
const NEAR_HEADER = HEADER + 8 + 1
export const NEAR_PREFIX = 0xfe

export interface DiskRecord {
  kind: typeof ENTRY | typeof TOMBSTONE
  version: bigint
  /** For a tombstone, when it is forgotten. */
  expiresAt: number
  staleAt: number
  value: Uint8Array
}

const decoder = new TextDecoder('utf-8', { fatal: true })

export const FORMAT_KEY = Uint8Array.of(0xff, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74) // 0xff "format"
export const FORMAT = Uint8Array.of(1)
/** Where a browser tab keeps its peer's key (a Node peer keeps it in a file beside the database). */
export const PEER_KEY = Uint8Array.of(0xff, 0x6b, 0x65, 0x79) // 0xff "key"

export function recordKey (keyspace: string, key: string): Uint8Array {
  const a = utf8Length(keyspace)
  const b = utf8Length(key)
  const out = new Uint8Array(a + 1 + b)
  writeUtf8(keyspace, a, out, 0)
  writeUtf8(key, b, out, a + 1)
  return out
}

/** The range of every record of one keyspace (for a dropped keyspace). */
export function keyspaceRange (keyspace: string): { gte: Uint8Array, lt: Uint8Array } {
  const gte = recordKey(keyspace, '')
  const lt = gte.slice()
  lt[lt.length - 1] = 1
  return { gte, lt }
}

/** [keyspace, key] of an entry's or a near copy's key, or undefined for a meta key or bytes no record key has. */
export function parseRecordKey (bytes: Uint8Array): [string, string] | undefined {
  if (bytes[0] === 0xff) return undefined
  const start = bytes[0] === NEAR_PREFIX ? 1 : 0
  const split = bytes.indexOf(0, start)
  if (split <= start) return undefined
  try {
    return [decoder.decode(bytes.subarray(start, split)), decoder.decode(bytes.subarray(split + 1))]
  } catch {
    return undefined
  }
}

export interface NearRecord {
  version: bigint
  expiresAt: number
  staleAt: number
  fetchedAt: number
  owner: string
  value: Uint8Array
}

/** A near copy's key: the 0xfe byte, then its entry id's UTF-8 (keyspace, 0 byte, key: what recordKey writes). */
export function nearKey (id: string): Uint8Array {
  const length = utf8Length(id)
  const out = new Uint8Array(1 + length)
  out[0] = NEAR_PREFIX
  writeUtf8(id, length, out, 1)
  return out
}

export function encodeRecord (record: DiskRecord): Uint8Array {
  const out = new Uint8Array(HEADER + record.value.byteLength)
  writeHeader(out, record.kind, record)
  out.set(record.value, HEADER)
  return out
}

export function encodeNearRecord (record: NearRecord): Uint8Array {
  const ownerLength = utf8Length(record.owner)
  if (ownerLength > 255) throw new RangeError('a peer id is at most 255 bytes')
  const out = new Uint8Array(NEAR_HEADER + ownerLength + record.value.byteLength)
  const view = writeHeader(out, NEAR, record)
  view.setFloat64(HEADER, record.fetchedAt, true)
  out[HEADER + 8] = ownerLength
  writeUtf8(record.owner, ownerLength, out, NEAR_HEADER)
  out.set(record.value, NEAR_HEADER + ownerLength)
  return out
}

function writeHeader (out: Uint8Array, kind: number, { version, expiresAt, staleAt }: { version: bigint, expiresAt: number, staleAt: number }): DataView {
  const view = new DataView(out.buffer)
  out[0] = kind
  view.setUint32(1, Number(version >> 32n), true)
  view.setUint32(5, Number(version & 0xffffffffn), true)
  view.setFloat64(9, expiresAt, true)
  view.setFloat64(17, staleAt, true)
  return view
}

/** The near copy, or undefined for bytes that are not one. */
export function decodeNearRecord (bytes: Uint8Array): NearRecord | undefined {
  if (bytes.byteLength < NEAR_HEADER || bytes[0] !== NEAR) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const fetchedAt = view.getFloat64(HEADER, true)
  const ownerEnd = NEAR_HEADER + bytes[HEADER + 8]
  const header = readHeader(view)
  if (header === undefined || !Number.isFinite(fetchedAt) || fetchedAt < 0 || ownerEnd > bytes.byteLength) return undefined
  try {
    return { ...header, fetchedAt, owner: decoder.decode(bytes.subarray(NEAR_HEADER, ownerEnd)), value: bytes.slice(ownerEnd) }
  } catch {
    return undefined
  }
}

function readHeader (view: DataView): { version: bigint, expiresAt: number, staleAt: number } | undefined {
  const expiresAt = view.getFloat64(9, true)
  const staleAt = view.getFloat64(17, true)
  if (!Number.isFinite(expiresAt) || !Number.isFinite(staleAt) || expiresAt < 0 || staleAt < 0) return undefined
  return { version: (BigInt(view.getUint32(1, true)) << 32n) | BigInt(view.getUint32(5, true)), expiresAt, staleAt }
}

/** The record, or undefined for bytes that are not one (a corrupted record is skipped, not trusted). */
export function decodeRecord (bytes: Uint8Array): DiskRecord | undefined {
  if (bytes.byteLength < HEADER || (bytes[0] !== ENTRY && bytes[0] !== TOMBSTONE)) return undefined
  const header = readHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  if (header === undefined) return undefined
  // Its own copy: the store copies it anyway, and a view would keep the read buffer.
  return { kind: bytes[0], ...header, value: bytes.slice(HEADER) }
}
