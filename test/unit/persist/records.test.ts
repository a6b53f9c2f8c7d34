import { describe, expect, it } from 'vitest'
import { ENTRY, TOMBSTONE, decodeRecord, encodeRecord, keyspaceRange, parseRecordKey, recordKey } from '../../../src/persist/records.js'

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
