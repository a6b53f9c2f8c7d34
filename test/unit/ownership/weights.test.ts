import { describe, expect, it } from 'vitest'
import { DEFAULT_VIRTUAL_IDS, Ring } from '../../../src/ownership/index.js'
import { prng, randomBytes, randomMember, randomMembers } from './helpers.js'

const KEYS = 20_000

function primaryCounts (ring: Ring, rand: () => number): Map<string, number> {
  const counts = new Map<string, number>([...ring.members.keys()].map(p => [p, 0]))
  for (let i = 0; i < KEYS; i++) {
    const [owner] = ring.owners(randomBytes(rand, 32), 1)
    counts.set(owner, (counts.get(owner) ?? 0) + 1)
  }
  return counts
}

describe('Ring weights', () => {
  it('a weight-2 member gets about twice the keys of weight-1 members', () => {
    for (const seed of [11, 12, 13]) {
      const rand = prng(seed)
      const heavy = randomMember(rand, 2)
      const light = randomMembers(rand, 7, 1)
      const counts = primaryCounts(new Ring([heavy, ...light], DEFAULT_VIRTUAL_IDS), rand)
      const lightMean = light.reduce((s, m) => s + (counts.get(m.peerId) ?? 0), 0) / light.length
      const ratio = (counts.get(heavy.peerId) ?? 0) / lightMean
      // Ignoring weights gives a ratio near 1 (±0.15 at this V): 1.6 cannot be reached by chance.
      expect(ratio, `seed ${seed}`).toBeGreaterThan(1.6)
      expect(ratio, `seed ${seed}`).toBeLessThan(2.4)
    }
  })

  it('every member gets a share close to its weight over the total weight', () => {
    const rand = prng(21)
    const weights = [0.5, 1, 1, 1, 1.5, 2, 3, 1]
    const members = weights.map(w => randomMember(rand, w))
    const counts = primaryCounts(new Ring(members, DEFAULT_VIRTUAL_IDS), rand)
    const total = weights.reduce((a, b) => a + b, 0)
    for (const m of members) {
      const rel = (counts.get(m.peerId) ?? 0) / (KEYS * m.weight / total)
      expect(rel, `${m.peerId} weight ${m.weight}`).toBeGreaterThan(0.7)
      expect(rel, `${m.peerId} weight ${m.weight}`).toBeLessThan(1.3)
    }
  })

  it('a tiny weight still gets one virtual id and a place in the ranking', () => {
    const rand = prng(31)
    const tiny = randomMember(rand, 0.0001)
    const ring = new Ring([tiny, ...randomMembers(rand, 4)], DEFAULT_VIRTUAL_IDS)
    expect(ring.ranked(randomBytes(rand, 32))).toContain(tiny.peerId)
    expect(ring.owners(tiny.kadId, 1)).toEqual([tiny.peerId])
  })
})
