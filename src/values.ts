import { ErrorCodes, MeshCacheError } from './errors.js'
import { allocBytes } from './util/pool.js'
import { utf8Length, writeUtf8 } from './util/utf8.js'

/** What a cache holds: anything JSON can carry exactly, or raw bytes. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type Value = JsonValue | Uint8Array

export const MAX_KEY_BYTES = 1024
const LONE_SURROGATE = /\p{Surrogate}/u

const TAG_JSON = 0
const TAG_BYTES = 1
const TAG_MISS = 2
const decoder = new TextDecoder()

/** Throws ERR_INVALID_KEY unless key is a string of 1..1024 bytes of UTF-8. */
export function checkKey (key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new MeshCacheError(ErrorCodes.INVALID_KEY, 'key must be a non-empty string')
  }
  // A lone surrogate becomes U+FFFD in UTF-8: two different keys would collide.
  // Most keys have no surrogate at all, which a loop sees faster than the regex.
  if (hasSurrogate(key) && LONE_SURROGATE.test(key)) {
    throw new MeshCacheError(ErrorCodes.INVALID_KEY, 'key is not well-formed Unicode (lone surrogate)')
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short keys skip the encode.
  if (key.length * 3 > MAX_KEY_BYTES && utf8Length(key) > MAX_KEY_BYTES) {
    throw new MeshCacheError(ErrorCodes.INVALID_KEY, `key is longer than ${MAX_KEY_BYTES} bytes of UTF-8`)
  }
}

function hasSurrogate (text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if ((text.charCodeAt(i) & 0xf800) === 0xd800) return true
  }
  return false
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** Mesh and keyspace names end up in topic names and protocol ids: keep them plain. */
export function checkName (name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new MeshCacheError(ErrorCodes.INVALID_OPTION, `${what} must be 1-128 characters of A-Z a-z 0-9 . _ : - (got ${JSON.stringify(name)})`)
  }
}

/** One string for a (keyspace, key) pair; names cannot hold NUL (checkName), so ids never collide. */
export function entryId (keyspace: string, key: string): string {
  return keyspace + '\u0000' + key
}

/** Throws ERR_INVALID_TTL unless ttlMs is a non-negative integer number of ms. */
export function checkTtl (ttlMs: unknown, name = 'ttlMs'): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 0) {
    throw new MeshCacheError(ErrorCodes.INVALID_TTL, `${name} must be a non-negative integer (ms)`)
  }
}

/**
 * Encodes a value into the bytes the store and the wire carry: one tag byte,
 * then JSON text or the raw bytes. Rejects what would not come back equal:
 * undefined, functions, NaN/Infinity/-0, class instances (Date, Map...),
 * cycles, array holes or extra properties, symbol-keyed properties.
 */
export function encodeValue (value: unknown, maxValueBytes: number): Uint8Array {
  let bytes: Uint8Array
  if (value instanceof Uint8Array) {
    bytes = allocBytes(value.byteLength + 1)
    bytes[0] = TAG_BYTES
    bytes.set(value, 1)
  } else {
    const text = jsonText(value)
    const length = utf8Length(text)
    bytes = allocBytes(length + 1)
    bytes[0] = TAG_JSON
    writeUtf8(text, length, bytes, 1)
  }
  if (bytes.byteLength - 1 > maxValueBytes) {
    throw new MeshCacheError(ErrorCodes.VALUE_TOO_LARGE, `value is ${bytes.byteLength - 1} bytes, over maxValueBytes ${maxValueBytes}`)
  }
  return bytes
}

/**
 * What getOrLoad stores when a keyspace caches misses (`missTtlMs`): a loader
 * found nothing, and asking again before it expires would find nothing too.
 * Reads see it as absent.
 */
export const MISS_MARKER = Uint8Array.of(TAG_MISS)

export function isMissMarker (bytes: Uint8Array): boolean {
  return bytes.byteLength === 1 && bytes[0] === TAG_MISS
}

/**
 * decodeValue for reads that hit a cached entry: a string, number, boolean
 * or null decoded once is shared by every later read of the same bytes
 * (they are immutable); objects and bytes are decoded afresh, so a caller
 * that changes what it got cannot change what the next reader gets.
 */
export function decodeCached (bytes: Uint8Array): Value {
  const known = primitives.get(bytes)
  if (known !== undefined) return known
  const value = decodeValue(bytes)
  if (value === null || typeof value !== 'object') primitives.set(bytes, value)
  return value
}

const primitives = new WeakMap<Uint8Array, Value>()

/** The JSON text of an encoded JSON value, as UTF-8 (a view, no copy); undefined for bytes or a miss marker. */
export function jsonTextOf (encoded: Uint8Array): Uint8Array | undefined {
  return encoded[0] === TAG_JSON ? encoded.subarray(1) : undefined
}

export function decodeValue (bytes: Uint8Array): Value {
  if (bytes[0] === TAG_BYTES) return bytes.slice(1)
  if (bytes[0] === TAG_JSON) {
    try {
      return JSON.parse(decoder.decode(bytes.subarray(1)))
    } catch (err) {
      // The bytes came from a peer: broken JSON is its fault, reported like an unknown tag, not as a SyntaxError.
      throw new MeshCacheError(ErrorCodes.MALFORMED_FRAME, `value is not valid JSON: ${(err as Error).message}`, { cause: err })
    }
  }
  throw new MeshCacheError(ErrorCodes.MALFORMED_FRAME, `unknown value tag ${bytes[0]}`)
}

/**
 * JSON.stringify first, then the walk that rejects what would not come back
 * equal: a value that stringified has no cycle, so the walk needs no set of
 * the objects it is inside. One that did not stringify is walked with that
 * set, for the reason to give.
 */
function jsonText (value: unknown): string {
  try {
    const text = JSON.stringify(value)
    assertJson(value)
    return text
  } catch (err) {
    if (err instanceof MeshCacheError) throw err
    try {
      assertJson(value, new Set())
    } catch (reason) {
      if (reason instanceof MeshCacheError) throw reason
    }
    // A value nested deeper than the stack: it would not decode either.
    throw notSerializable(`value cannot be encoded: ${(err as Error).message}`)
  }
}

function assertJson (value: unknown, seen?: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return
      throw notSerializable(`number ${Object.is(value, -0) ? '-0' : value} does not survive JSON`)
    case 'object': {
      if (value === null) return
      if (seen?.has(value) === true) throw notSerializable('value contains a cycle')
      if (Object.getOwnPropertySymbols(value).length > 0) throw notSerializable('symbol-keyed properties do not survive JSON')
      seen?.add(value)
      if (Array.isArray(value)) {
        if (Object.keys(value).length !== value.length) throw notSerializable('array has holes or extra properties')
        for (let i = 0; i < value.length; i++) {
          // Holes and undefined become null in JSON: not an exact round trip.
          if (!(i in value)) throw notSerializable('array has a hole')
          assertJson(value[i], seen)
        }
      } else {
        const proto = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null) {
          throw notSerializable(`${proto?.constructor?.name ?? 'object'} instances are not JSON-compatible`)
        }
        for (const v of Object.values(value)) assertJson(v, seen)
      }
      seen?.delete(value)
      return
    }
    default:
      throw notSerializable(`${typeof value} is not JSON-compatible`)
  }
}

function notSerializable (message: string): MeshCacheError {
  return new MeshCacheError(ErrorCodes.NOT_SERIALIZABLE, message)
}
