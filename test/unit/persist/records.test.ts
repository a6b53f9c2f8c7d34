import { describe, expect, it } from 'vitest'
import { ENTRY, TOMBSTONE, decodeNearRecord, decodeRecord, encodeNearRecord, encodeRecord, keyspaceRange, nearKey, parseRecordKey, recordKey } from '../../../src/persist/records.js'
import { entryId } from '../../../src/values.js'

const compare = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b)

describe('disk records', () => {
  it('round-trips entries and tombstones, versions beyond 2^53 included', () => {
    const entry = { kind: ENTRY, version: (1n << 63n) + 12345n, expiresAt: 1_700_000_000_123, staleAt: 0, value: Uint8Array.of(1, 2, 3) } as const
    expect(decodeRecord(encodeRecord(entry))).toEqual(entry)
    const tombstone = { kind: TOMBSTONE, version: 7n, expiresAt: 5, staleAt: 0, value: new Uint8Array(0) } as const
    expect(decodeRecord(encodeRecord(tombstone))).toEqual(tombstone)
  })

  it('refuses bytes that are not a record', () => {
    expect(decodeRecord(new Uint8Array(3))).toBeUndefined()
    const bad = encodeRecord({ kind: ENTRY, version: 1n, expiresAt: 0, staleAt: 0, value: new Uint8Array(0) })
    bad[0] = 9
    expect(decodeRecord(bad)).toBeUndefined()
    const nan = encodeRecord({ kind: ENTRY, version: 1n, expiresAt: Number.NaN, staleAt: 0, value: new Uint8Array(0) })
    expect(decodeRecord(nan)).toBeUndefined()
  })

  it('round-trips near copies, owner and fetch time included; refuses truncated ones', () => {
    const copy = { version: 9n, expiresAt: 0, staleAt: 1_700_000_001_000, fetchedAt: 1_700_000_000_500, owner: '12D3KooWQmExampleOwner', value: Uint8Array.of(7, 8) }
    const bytes = encodeNearRecord(copy)
    expect(decodeNearRecord(bytes)).toEqual(copy)
    expect(decodeRecord(bytes)).toBeUndefined()
    expect(decodeNearRecord(bytes.subarray(0, 30))).toBeUndefined()
    expect(decodeNearRecord(encodeRecord({ kind: ENTRY, version: 1n, expiresAt: 0, staleAt: 0, value: new Uint8Array(40) }))).toBeUndefined()
  })

  it('a near copy\'s key parses to its keyspace and key, and lies outside every keyspace range', () => {
    const key = nearKey(entryId('users', 'a\u0000b'))
    expect(parseRecordKey(key)).toEqual(['users', 'a\u0000b'])
    const { gte, lt } = keyspaceRange('users')
    expect(compare(key, gte) >= 0 && compare(key, lt) < 0).toBe(false)
    expect(parseRecordKey(Uint8Array.of(0xfe, 0xfe, 0x61, 0, 0x61))).toBeUndefined()
  })

  it('keys split at the first 0 byte, so a key may hold one; meta keys and invalid UTF-8 are none', () => {
    expect(parseRecordKey(recordKey('users', 'a\u0000b'))).toEqual(['users', 'a\u0000b'])
    expect(parseRecordKey(recordKey('ks', 'ключ'))).toEqual(['ks', 'ключ'])
    expect(parseRecordKey(Uint8Array.of(0xff, 1))).toBeUndefined()
    expect(parseRecordKey(Uint8Array.of(0x61, 0, 0xc3))).toBeUndefined()
  })

  it('a keyspace range holds its keys and no other keyspace\'s', () => {
    const { gte, lt } = keyspaceRange('ks')
    const inside = (k: Uint8Array): boolean => compare(k, gte) >= 0 && compare(k, lt) < 0
    expect(inside(recordKey('ks', 'x'))).toBe(true)
    expect(inside(recordKey('ks', '\uffff'))).toBe(true)
    expect(inside(recordKey('ks2', 'x'))).toBe(false)
    expect(inside(recordKey('k', 'x'))).toBe(false)
  })
})
