import { describe, expect, it } from 'vitest'
import { DEFAULT_VIRTUAL_IDS, Ring } from '../../../src/ownership/index.js'
import { prng, randomBytes, randomMembers } from './helpers.js'

function shuffled<T> (xs: T[], rand: () => number): T[] {
  const out = xs.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

describe('Ring determinism and edge cases', () => {
  it('owners are distinct and independent of member insertion order', () => {
    const rand = prng(41)
    const members = randomMembers(rand, 16).map((m, i) => ({ ...m, weight: 1 + (i % 3) * 0.5 }))
    const a = new Ring(members, DEFAULT_VIRTUAL_IDS)
    const b = new Ring(shuffled(members, rand), DEFAULT_VIRTUAL_IDS)
    const c = new Ring(new Map(shuffled(members, rand).map(m => [m.peerId, m])).values(), DEFAULT_VIRTUAL_IDS)
    expect([...b.members.keys()]).toEqual([...a.members.keys()])
    for (let k = 0; k < 500; k++) {
      const key = randomBytes(rand, 32)
      const owners = a.owners(key, 3)
      expect(owners).toHaveLength(3)
      expect(new Set(owners).size).toBe(3)
      expect(b.owners(key, 3)).toEqual(owners)
      expect(c.owners(key, 3)).toEqual(owners)
      expect(a.owners(key, 3)).toEqual(owners)
      const ranked = a.ranked(key)
      expect(ranked.slice(0, 3)).toEqual(owners)
      expect(new Set(ranked).size).toBe(16)
    }
  })

  it('an empty ring has no owners', () => {
    const ring = new Ring([], DEFAULT_VIRTUAL_IDS)
    expect(ring.size).toBe(0)
    expect(ring.owners(new Uint8Array(32), 2)).toEqual([])
    expect(ring.ranked(new Uint8Array(32))).toEqual([])
  })

  it('count beyond the member count returns every member; count 0 returns none', () => {
    const rand = prng(42)
    const members = randomMembers(rand, 3)
    const ring = new Ring(members, DEFAULT_VIRTUAL_IDS)
    expect(ring.size).toBe(3)
    const key = randomBytes(rand, 32)
    expect(ring.owners(key, 5)).toEqual(ring.ranked(key))
    expect(new Set(ring.owners(key, 5))).toEqual(new Set(members.map(m => m.peerId)))
    expect(ring.owners(key, 0)).toEqual([])
    const single = new Ring(members.slice(0, 1), DEFAULT_VIRTUAL_IDS)
    expect(single.owners(key, 2)).toEqual([members[0].peerId])
  })

  it('is a snapshot: later changes to the caller\'s members do not leak in', () => {
    const rand = prng(43)
    const members = randomMembers(rand, 6)
    const ring = new Ring(members, 1)
    const key = randomBytes(rand, 32)
    const before = ring.ranked(key)
    for (const m of members) m.kadId.fill(0)
    members[0].weight = 100
    expect(ring.ranked(key)).toEqual(before)
    expect(ring.members.get(members[0].peerId)?.weight).toBe(1)
  })

  it('rejects inputs it cannot rank', () => {
    const rand = prng(44)
    const [m] = randomMembers(rand, 1)
    expect(() => new Ring([m], 0)).toThrow(RangeError)
    expect(() => new Ring([m], 1.5)).toThrow(RangeError)
    expect(() => new Ring([{ ...m, weight: 0 }], 10)).toThrow(RangeError)
    expect(() => new Ring([{ ...m, weight: Number.NaN }], 10)).toThrow(RangeError)
    expect(() => new Ring([{ ...m, kadId: new Uint8Array(20) }], 10)).toThrow(RangeError)
    expect(() => new Ring([m, { ...m }], 10)).toThrow(RangeError)
    expect(() => new Ring([m], 10).owners(new Uint8Array(31), 1)).toThrow(RangeError)
  })
})
