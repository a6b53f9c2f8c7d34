import { describe, expect, it } from 'vitest'
import { Offence, Penalties } from '../../../src/access/penalties.js'
import { PeerRate } from '../../../src/access/rate.js'

/** A clock the test moves by hand. */
function clock (): { now: () => number, advance: (ms: number) => void } {
  let t = 1_000_000
  return { now: () => t, advance: ms => { t += ms } }
}

describe('Penalties', () => {
  it('decays points by half every half-life and forgets a peer once they are gone', () => {
    const c = clock()
    const penalties = new Penalties({ now: c.now, halfLifeMs: 10_000 })
    expect(penalties.add('p', Offence.MISBEHAVIOUR)).toBe(false)
    expect(penalties.points('p')).toBe(40)
    c.advance(10_000)
    expect(penalties.points('p')).toBeCloseTo(20)
    c.advance(20_000)
    expect(penalties.points('p')).toBeCloseTo(5)
    expect(penalties.counts()).toEqual({ penalized: 1, banned: 0 })
    c.advance(60_000)
    expect(penalties.points('p')).toBe(0)
    expect(penalties.counts()).toEqual({ penalized: 0, banned: 0 })
  })

  it('bans at once for a failed handshake, for banMs', () => {
    const c = clock()
    const penalties = new Penalties({ now: c.now, banMs: 60_000 })
    expect(penalties.add('liar', Offence.HANDSHAKE)).toBe(true)
    expect(penalties.banned('liar')).toBe(true)
    expect(penalties.banned('someone else')).toBe(false)
    c.advance(59_999)
    expect(penalties.banned('liar')).toBe(true)
    c.advance(1)
    expect(penalties.banned('liar')).toBe(false)
    // Forgiven, not forgotten: half its points are still there after one half-life.
    expect(penalties.points('liar')).toBeCloseTo(50)
  })

  it('bans after three offences in quick succession, not after three spread out', () => {
    const c = clock()
    const penalties = new Penalties({ now: c.now, halfLifeMs: 60_000 })
    penalties.add('burst', Offence.MISBEHAVIOUR)
    penalties.add('burst', Offence.MISBEHAVIOUR)
    expect(penalties.banned('burst')).toBe(false)
    expect(penalties.add('burst', Offence.MISBEHAVIOUR)).toBe(true)

    penalties.add('slow', Offence.MISBEHAVIOUR)
    c.advance(120_000)
    penalties.add('slow', Offence.MISBEHAVIOUR)
    c.advance(120_000)
    expect(penalties.add('slow', Offence.MISBEHAVIOUR)).toBe(false)
  })

  it('extends a ban with every offence while banned', () => {
    const c = clock()
    const penalties = new Penalties({ now: c.now, banMs: 10_000 })
    penalties.add('p', Offence.HANDSHAKE)
    c.advance(9_000)
    penalties.add('p', Offence.MISBEHAVIOUR)
    c.advance(9_000)
    expect(penalties.banned('p')).toBe(true)
    c.advance(1_001)
    expect(penalties.banned('p')).toBe(false)
  })

  it('remembers a bounded number of peers, dropping the oldest record', () => {
    // A fake clock: with the real one, points decay between add() and points().
    const penalties = new Penalties({ maxPeers: 3, now: clock().now })
    for (const peer of ['a', 'b', 'c', 'd']) penalties.add(peer, 1)
    expect(penalties.points('a')).toBe(0)
    expect(penalties.points('d')).toBe(1)
    expect(penalties.counts().penalized).toBe(3)
  })
})

describe('PeerRate (token bucket per peer)', () => {
  it('lets a burst of two seconds through, then the rate, per peer', () => {
    const c = clock()
    const rate = new PeerRate({ perSecond: 100, now: c.now })
    expect(rate.take('p', 200)).toBe(true)
    expect(rate.take('p', 1)).toBe(false)
    expect(rate.take('q', 150)).toBe(true) // another peer has its own bucket
    c.advance(500)
    expect(rate.take('p', 50)).toBe(true)
    expect(rate.take('p', 1)).toBe(false)
    c.advance(10_000)
    expect(rate.take('p', 201)).toBe(false) // never more than the burst
    expect(rate.take('p', 200)).toBe(true)
  })

  it('takes nothing when it refuses, and starts a forgotten peer full', () => {
    const c = clock()
    const rate = new PeerRate({ perSecond: 10, burstSeconds: 1, now: c.now })
    expect(rate.take('p', 8)).toBe(true)
    expect(rate.take('p', 5)).toBe(false)
    expect(rate.take('p', 2)).toBe(true)
    rate.forget('p')
    expect(rate.take('p', 10)).toBe(true)
  })
})
