import { describe, expect, it } from 'vitest'
import { DEFAULT_VIRTUAL_IDS, Ring, diffOwners } from '../../../src/ownership/index.js'
import { prng, randomBytes, randomMember, randomMembers } from './helpers.js'

const KEYS = 4000

describe('diffOwners', () => {
  for (const [n, replicas] of [[5, 1], [5, 2], [16, 2], [16, 3]]) {
    it(`a join of one peer to ${n} only gains the newcomer (replicas=${replicas})`, () => {
      const rand = prng(50 + n * 10 + replicas)
      const members = randomMembers(rand, n)
      const newcomer = randomMember(rand)
      const before = new Ring(members, DEFAULT_VIRTUAL_IDS)
      const after = new Ring([...members, newcomer], DEFAULT_VIRTUAL_IDS)
      let moved = 0
      for (let k = 0; k < KEYS; k++) {
        const d = diffOwners(before, after, randomBytes(rand, 32), replicas)
        expect(d.before).toHaveLength(replicas)
        expect(d.after).toHaveLength(replicas)
        expect(d.lost).not.toContain(newcomer.peerId)
        if (d.gained.length === 0) {
          expect(d.lost).toEqual([])
          expect(d.after).toEqual(d.before)
        } else {
          // The newcomer displaces exactly the farthest old owner; the others keep their rank order.
          expect(d.gained).toEqual([newcomer.peerId])
          expect(d.lost).toEqual([d.before[replicas - 1]])
          expect(d.after.filter(p => p !== newcomer.peerId)).toEqual(d.before.slice(0, replicas - 1))
          moved++
        }
      }
      // Consistent ownership moves only the newcomer's share, about replicas/(n+1) of the keys.
      const share = moved / KEYS
      const ideal = replicas / (n + 1)
      expect(share).toBeGreaterThan(ideal * 0.6)
      expect(share).toBeLessThan(ideal * 1.4)
    })
  }

  it('a leave only loses the leaver', () => {
    const rand = prng(60)
    const members = randomMembers(rand, 8)
    const leaver = members[3]
    const before = new Ring(members, DEFAULT_VIRTUAL_IDS)
    const after = new Ring(members.filter(m => m !== leaver), DEFAULT_VIRTUAL_IDS)
    for (let k = 0; k < KEYS; k++) {
      const d = diffOwners(before, after, randomBytes(rand, 32), 2)
      expect(d.lost.length === 0 || (d.lost.length === 1 && d.lost[0] === leaver.peerId)).toBe(true)
      expect(d.gained).toHaveLength(d.lost.length)
      expect(d.gained).not.toContain(leaver.peerId)
    }
  })

  it('identical rings move nothing', () => {
    const rand = prng(61)
    const members = randomMembers(rand, 6)
    const a = new Ring(members, DEFAULT_VIRTUAL_IDS)
    const b = new Ring([...members].reverse(), DEFAULT_VIRTUAL_IDS)
    for (let k = 0; k < 200; k++) {
      const d = diffOwners(a, b, randomBytes(rand, 32), 2)
      expect(d.gained).toEqual([])
      expect(d.lost).toEqual([])
    }
  })
})
