import { describe, expect, it } from 'vitest'
import { MeshCacheError } from '../../../src/errors.js'
import { MAX_KEY_BYTES, checkKey, checkName, checkTtl, decodeValue, encodeValue } from '../../../src/values.js'

function codeOf (fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(MeshCacheError)
    return (err as MeshCacheError).code
  }
  return undefined
}

const roundTrip = (value: unknown, max = 1 << 20): unknown => decodeValue(encodeValue(value, max))

describe('checkKey', () => {
  it('accepts ordinary keys', () => {
    expect(codeOf(() => { checkKey('a') })).toBeUndefined()
    expect(codeOf(() => { checkKey('user:42/profile') })).toBeUndefined()
    expect(codeOf(() => { checkKey('ключ🙂') })).toBeUndefined()
  })

  it('rejects the empty string and non-strings', () => {
    for (const key of ['', undefined, null, 42, {}, ['a'], Symbol('k'), new String('a')]) {
      expect(codeOf(() => { checkKey(key) })).toBe('ERR_INVALID_KEY')
    }
  })

  it('allows exactly 1024 bytes of UTF-8 and rejects 1025 (ASCII)', () => {
    expect(MAX_KEY_BYTES).toBe(1024)
    expect(codeOf(() => { checkKey('k'.repeat(1024)) })).toBeUndefined()
    expect(codeOf(() => { checkKey('k'.repeat(1025)) })).toBe('ERR_INVALID_KEY')
  })

  it('counts UTF-8 bytes, not UTF-16 code units, for multibyte characters', () => {
    // 'é' is 2 bytes, '€' is 3, '🙂' is 4 (two code units).
    expect(codeOf(() => { checkKey('é'.repeat(512)) })).toBeUndefined()
    expect(codeOf(() => { checkKey('é'.repeat(512) + 'a') })).toBe('ERR_INVALID_KEY')
    expect(codeOf(() => { checkKey('€'.repeat(341) + 'a') })).toBeUndefined() // 1024 bytes
    expect(codeOf(() => { checkKey('€'.repeat(341) + 'ab') })).toBe('ERR_INVALID_KEY') // 1025 bytes
    expect(codeOf(() => { checkKey('🙂'.repeat(256)) })).toBeUndefined() // 1024 bytes, 512 code units
    expect(codeOf(() => { checkKey('🙂'.repeat(256) + 'a') })).toBe('ERR_INVALID_KEY')
    // 342 code units × 3 bytes = 1026: over the limit although only 342 characters long.
    expect(codeOf(() => { checkKey('€'.repeat(342)) })).toBe('ERR_INVALID_KEY')
  })
})

describe('checkName', () => {
  it('accepts plain names up to 128 characters', () => {
    for (const name of ['orders', 'a', 'A.b_c:d-e', '0abc', 'x'.repeat(128)]) {
      expect(codeOf(() => { checkName(name, 'mesh') })).toBeUndefined()
    }
  })

  it('rejects empty, long, non-string and names with other characters', () => {
    for (const name of ['', 'x'.repeat(129), '-leading', '.hidden', 'has space', 'a/b', 'a\u0000b', 'ümlaut', 7, undefined, null]) {
      expect(codeOf(() => { checkName(name, 'keyspace') })).toBe('ERR_INVALID_OPTION')
    }
  })

  it('names what was wrong in the message', () => {
    expect(() => { checkName('a b', 'keyspace') }).toThrow(/keyspace/)
  })
})

describe('checkTtl', () => {
  it('accepts non-negative integers', () => {
    for (const ttl of [0, 1, 1000, Number.MAX_SAFE_INTEGER]) {
      expect(codeOf(() => { checkTtl(ttl) })).toBeUndefined()
    }
  })

  it('rejects negatives, fractions, non-finite and non-numbers', () => {
    for (const ttl of [-1, 1.5, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 1, '100', null, undefined, 10n]) {
      expect(codeOf(() => { checkTtl(ttl) })).toBe('ERR_INVALID_TTL')
    }
  })
})

describe('value codec', () => {
  it('round-trips JSON values exactly', () => {
    const values: unknown[] = [
      null, true, false, 0, -0.5, 1e300, Number.MAX_SAFE_INTEGER, '', 'plain',
      'unicode: ünïcödé 日本語 🙂 \u0000 \u2028',
      [], {}, [1, 'two', null, [3, [4, { five: 5 }]]],
      { nested: { deeper: { list: [true, false, null], s: 'x' } }, empty: {}, arr: [] },
      { '🙂': 'key with emoji', 'a.b': 1, '': 'empty key' }
    ]
    for (const value of values) {
      expect(roundTrip(value)).toStrictEqual(value)
    }
  })

  it('round-trips Uint8Array values as Uint8Array with equal bytes', () => {
    const bytes = new Uint8Array([0, 1, 2, 254, 255])
    const back = roundTrip(bytes)
    expect(back).toBeInstanceOf(Uint8Array)
    expect(Array.from(back as Uint8Array)).toEqual([0, 1, 2, 254, 255])
  })

  it('round-trips empty bytes', () => {
    const back = roundTrip(new Uint8Array(0))
    expect(back).toBeInstanceOf(Uint8Array)
    expect((back as Uint8Array).byteLength).toBe(0)
  })

  it('stores a Node Buffer as bytes and returns a plain Uint8Array with the same bytes', () => {
    const buffer = Buffer.from('hello, bytes', 'utf8')
    const back = roundTrip(buffer) as Uint8Array
    expect(back).toBeInstanceOf(Uint8Array)
    expect(Buffer.isBuffer(back)).toBe(false)
    expect(Array.from(back)).toEqual(Array.from(buffer))
  })

  it('takes only the viewed bytes of a Uint8Array that is a window into a larger buffer', () => {
    const big = new Uint8Array([9, 9, 1, 2, 3, 9, 9])
    const back = roundTrip(big.subarray(2, 5)) as Uint8Array
    expect(Array.from(back)).toEqual([1, 2, 3])
  })

  it('returns a copy, not a view into the encoded bytes', () => {
    const encoded = encodeValue(new Uint8Array([1, 2, 3]), 100)
    const back = decodeValue(encoded) as Uint8Array
    encoded[1] = 99
    expect(Array.from(back)).toEqual([1, 2, 3])
  })

  it('keeps bytes and a JSON array of the same numbers apart', () => {
    expect(roundTrip([1, 2, 3])).toStrictEqual([1, 2, 3])
    expect(roundTrip(new Uint8Array([1, 2, 3]))).toBeInstanceOf(Uint8Array)
  })

  class Point { constructor (public x = 1, public y = 2) {} }
  const cycle: Record<string, unknown> = { a: 1 }
  cycle.self = cycle
  const arrayCycle: unknown[] = [1]
  arrayCycle.push(arrayCycle)
  // eslint-disable-next-line no-sparse-arrays
  const hole = [1, , 3]

  const rejected: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 10n],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['a Date', new Date(0)],
    ['a Map', new Map([['a', 1]])],
    ['a Set', new Set([1])],
    ['a class instance', new Point()],
    ['a boxed string', new String('s')],
    ['a cycle through an object', cycle],
    ['a cycle through an array', arrayCycle],
    ['an array hole', hole],
    ['a nested Uint8Array', { bytes: new Uint8Array([1]) }],
    ['a Uint8Array inside an array', [new Uint8Array([1])]],
    ['undefined inside an object', { a: undefined }],
    ['undefined inside an array', [undefined]],
    ['a function deep inside', { a: [{ b: { c: () => 1 } }] }],
    ['NaN deep inside', [[[NaN]]]],
    ['a bigint inside an object', { n: 1n }],
    ['a symbol inside an array', [Symbol('s')]],
    ['a Date inside an object', { when: new Date(0) }]
  ]

  for (const [what, value] of rejected) {
    it(`rejects ${what} with ERR_NOT_SERIALIZABLE`, () => {
      expect(codeOf(() => encodeValue(value, 1 << 20))).toBe('ERR_NOT_SERIALIZABLE')
    })
  }

  it('accepts the same object twice in a value (a shared reference is not a cycle)', () => {
    const shared = { x: 1 }
    const value = { a: shared, b: shared, list: [shared, shared] }
    expect(roundTrip(value)).toStrictEqual({ a: { x: 1 }, b: { x: 1 }, list: [{ x: 1 }, { x: 1 }] })
  })

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>
    bare.k = 'v'
    expect(roundTrip(bare)).toStrictEqual({ k: 'v' })
  })

  it('allows exactly maxValueBytes and rejects one more, for JSON', () => {
    // JSON text of a string of n ASCII letters is n + 2 bytes.
    const max = 100
    expect(encodeValue('a'.repeat(max - 2), max).byteLength).toBe(max + 1)
    expect(codeOf(() => encodeValue('a'.repeat(max - 1), max))).toBe('ERR_VALUE_TOO_LARGE')
  })

  it('counts UTF-8 bytes of JSON text against maxValueBytes', () => {
    // '€' is 3 bytes: 33 of them plus quotes is 101 bytes.
    expect(codeOf(() => encodeValue('€'.repeat(32) + 'a', 100))).toBeUndefined() // 96 + 1 + 2 = 99
    expect(codeOf(() => encodeValue('€'.repeat(33), 100))).toBe('ERR_VALUE_TOO_LARGE')
  })

  it('allows exactly maxValueBytes and rejects one more, for bytes', () => {
    expect(roundTrip(new Uint8Array(64).fill(7), 64)).toStrictEqual(new Uint8Array(64).fill(7))
    expect(codeOf(() => encodeValue(new Uint8Array(65), 64))).toBe('ERR_VALUE_TOO_LARGE')
  })

  it('rejects unknown value tags when decoding', () => {
    expect(codeOf(() => decodeValue(new Uint8Array([7, 1, 2])))).toBe('ERR_MALFORMED_FRAME')
  })
})

describe('values that JSON would change are refused', () => {
  it.each([
    ['-0', -0],
    ['an array with an extra property', Object.assign([1, 2], { extra: true })],
    ['an object with a symbol key', { [Symbol('s')]: 1, a: 2 }]
  ])('rejects %s', (_what, value) => {
    expect(() => encodeValue(value, 1_000)).toThrow(expect.objectContaining({ code: 'ERR_NOT_SERIALIZABLE' }))
  })

  it('rejects a key with a lone surrogate, accepts a proper pair', () => {
    expect(() => { checkKey('a\uD800b') }).toThrow(expect.objectContaining({ code: 'ERR_INVALID_KEY' }))
    expect(() => { checkKey('\uDC00') }).toThrow(expect.objectContaining({ code: 'ERR_INVALID_KEY' }))
    expect(() => { checkKey('emoji 😀') }).not.toThrow()
  })
})

describe('a value nested deeper than the stack', () => {
  it('is refused with ERR_NOT_SERIALIZABLE, not a RangeError', () => {
    const deep = JSON.parse('['.repeat(20_000) + ']'.repeat(20_000))
    expect(() => encodeValue(deep, 10_000_000)).toThrow(expect.objectContaining({ code: 'ERR_NOT_SERIALIZABLE' }))
  })
})
