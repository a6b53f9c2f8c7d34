import { utf8Length, writeUtf8 } from '../util/utf8.js'

/**
 * How a key's state lies on disk. Key: the keyspace name, a 0 byte, the key,
 * in UTF-8 (names have no 0 byte, so the first one splits them). Value: a
 * kind byte, the version as two 32-bit halves, expiresAt and staleAt as
 * float64 (0 = none), then the value bytes of an entry. Little-endian.
 * Meta keys start with 0xff, a byte UTF-8 never has.
 */
export const ENTRY = 1
export const TOMBSTONE = 2
const HEADER = 1 + 8 + 16

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

/** [keyspace, key], or undefined for a meta key or bytes no record key has. */
export function parseRecordKey (bytes: Uint8Array): [string, string] | undefined {
  if (bytes[0] === 0xff) return undefined
  const split = bytes.indexOf(0)
  if (split <= 0) return undefined
  try {
    return [decoder.decode(bytes.subarray(0, split)), decoder.decode(bytes.subarray(split + 1))]
  } catch {
    return undefined
  }
}

export function encodeRecord (record: DiskRecord): Uint8Array {
  const out = new Uint8Array(HEADER + record.value.byteLength)
  const view = new DataView(out.buffer)
  out[0] = record.kind
  view.setUint32(1, Number(record.version >> 32n), true)
  view.setUint32(5, Number(record.version & 0xffffffffn), true)
  view.setFloat64(9, record.expiresAt, true)
  view.setFloat64(17, record.staleAt, true)
  out.set(record.value, HEADER)
  return out
}

/** The record, or undefined for bytes that are not one (a corrupted record is skipped, not trusted). */
export function decodeRecord (bytes: Uint8Array): DiskRecord | undefined {
  if (bytes.byteLength < HEADER || (bytes[0] !== ENTRY && bytes[0] !== TOMBSTONE)) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const expiresAt = view.getFloat64(9, true)
  const staleAt = view.getFloat64(17, true)
  if (!Number.isFinite(expiresAt) || !Number.isFinite(staleAt) || expiresAt < 0 || staleAt < 0) return undefined
  return {
    kind: bytes[0],
    version: (BigInt(view.getUint32(1, true)) << 32n) | BigInt(view.getUint32(5, true)),
    expiresAt,
    staleAt,
    // Its own copy: the store copies it anyway, and a view would keep the read buffer.
    value: bytes.slice(HEADER)
  }
}
