import { describe, expect, it } from 'vitest'
import { OncePerVersion } from '../../../src/invalidation/once.js'

describe('OncePerVersion', () => {
  it('is true the first time an id is seen', () => {
    const once = new OncePerVersion()
    expect(once.first('a', 5n)).toBe(true)
  })

  it('is false for the same version again, however often', () => {
    const once = new OncePerVersion()
    once.first('a', 5n)
    expect(once.first('a', 5n)).toBe(false)
    expect(once.first('a', 5n)).toBe(false)
  })

  it('is false for an older version', () => {
    const once = new OncePerVersion()
    once.first('a', 5n)
    expect(once.first('a', 4n)).toBe(false)
    expect(once.first('a', 0n)).toBe(false)
  })

  it('is true for a newer version, which then becomes the one to beat', () => {
    const once = new OncePerVersion()
    once.first('a', 5n)
    expect(once.first('a', 6n)).toBe(true)
    expect(once.first('a', 6n)).toBe(false)
    // 5 was seen once already, and 6 has passed it since.
    expect(once.first('a', 5n)).toBe(false)
    expect(once.first('a', 1_000_000_000_000_000_000n)).toBe(true)
  })

  it('keeps each id apart', () => {
    const once = new OncePerVersion()
    expect(once.first('a', 5n)).toBe(true)
    expect(once.first('b', 5n)).toBe(true)
    expect(once.first('b', 3n)).toBe(false)
    expect(once.first('c', 1n)).toBe(true)
    expect(once.first('a', 6n)).toBe(true)
    expect(once.first('b', 5n)).toBe(false)
    expect(once.first('c', 1n)).toBe(false)
  })
})
