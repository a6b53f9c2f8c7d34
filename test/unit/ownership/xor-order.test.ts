import { describe, expect, it } from 'vitest'
import { Ring } from '../../../src/ownership/index.js'
import type { RingMember } from '../../../src/ownership/index.js'
import { bruteRanked, prng, randomBytes, randomMembers } from './helpers.js'

describe('Ring XOR order', () => {
  it('matches a brute-force sort of all virtual ids by XOR distance', () => {
    const weights = [0.3, 0.5, 1, 1, 1, 1.5, 2, 3]
    const vs = [1, 2, 3, 7, 20, 50]
    let checked = 0
    for (let seed = 1; seed <= 150; seed++) {
      const rand = prng(seed)
      const n = 1 + Math.floor(rand() * 20)
      const v = vs[Math.floor(rand() * vs.length)]
      const members = randomMembers(rand, n).map(m => ({ ...m, weight: weights[Math.floor(rand() * weights.length)] }))
      const ring = new Ring(members, v)
      for (let k = 0; k < 20; k++) {
        const key = randomBytes(rand, 32)
        const expected = bruteRanked(members, v, key)
        expect(ring.ranked(key), `seed ${seed} key ${k}`).toEqual(expected)
        const count = 1 + Math.floor(rand() * (n + 1))
        expect(ring.owners(key, count), `seed ${seed} key ${k} count ${count}`).toEqual(expected.slice(0, count))
        checked++
      }
    }
    expect(checked).toBe(3000)
  })

  it('stays exact when ids agree beyond 64 bits, up to identical ids', () => {
    // With one virtual id per member the ring uses the kadIds as given, so prefixes can be forced.
    for (let seed = 1; seed <= 40; seed++) {
      const rand = prng(1000 + seed)
      const base = randomBytes(rand, 32)
      const members: RingMember[] = []
      for (let i = 0; i < 12; i++) {
        const id = base.slice()
        // Keep a shared prefix of 60..255 bits, then randomize the tail.
        const keep = 60 + Math.floor(rand() * 196)
        for (let bit = keep; bit < 256; bit++) {
          if (rand() < 0.5) id[bit >>> 3] ^= 0x80 >>> (bit & 7)
        }
        members.push({ peerId: `m${i}`, kadId: id, weight: 1 })
      }
      members.push({ peerId: 'dupA', kadId: base.slice(), weight: 1 })
      members.push({ peerId: 'dupB', kadId: base.slice(), weight: 1 })
      const ring = new Ring(members, 1)
      const keys = [base, ...members.map(m => m.kadId), randomBytes(rand, 32)]
      for (let t = 0; t < 10; t++) {
        const key = base.slice()
        const keep = 64 + Math.floor(rand() * 192)
        for (let bit = keep; bit < 256; bit++) if (rand() < 0.5) key[bit >>> 3] ^= 0x80 >>> (bit & 7)
        keys.push(key)
      }
      for (const key of keys) {
        expect(ring.ranked(key), `seed ${seed}`).toEqual(bruteRanked(members, 1, key))
      }
      // Identical ids fall back to peer id order, so the result cannot depend on input order.
      const atBase = ring.ranked(base)
      expect(atBase.indexOf('dupA')).toBeLessThan(atBase.indexOf('dupB'))
    }
  })

  it('a key equal to a virtual id puts its member first', () => {
    const rand = prng(7)
    const members = randomMembers(rand, 10)
    const ring = new Ring(members, 1)
    for (const m of members) expect(ring.owners(m.kadId, 1)).toEqual([m.peerId])
  })
})
