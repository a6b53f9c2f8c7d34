import { describe, expect, it } from 'vitest'
import { NearCache } from '../../../src/invalidation/near-cache.js'
import { PeerRate } from '../../../src/access/rate.js'
import { turns } from '../fakes.js'
import { FakeInvalidationNet } from './fake-net.js'

describe('Invalidator with a rate limit per owner', () => {
  it('drops what an owner sends past its rate, and treats the drop as a gap (its copies go)', async () => {
    const net = new FakeInvalidationNet()
    const near = new NearCache({ maxEntries: 1000, maxStalenessMs: 60_000 })
    let now = 0
    const rate = new PeerRate({ perSecond: 10, burstSeconds: 1, now: () => now })
    const refused: string[] = []
    const { inv: reader, heard } = net.peer('R', {
      admit: (owner, items) => {
        if (rate.take(owner, items)) return true
        refused.push(owner)
        return false
      }
    }, near)
    const flooder = net.peer('F').inv
    const honest = net.peer('H').inv

    // Three notices of 6 keys each, a turn apart: the bucket holds 10.
    for (let m = 0; m < 3; m++) {
      for (let i = 0; i < 6; i++) flooder.publish({ keyspace: 's', key: `f${m}-${i}`, version: 1n })
      await turns()
    }
    honest.publish({ keyspace: 's', key: 'h', version: 1n })
    await turns()
    expect(heard.filter(h => h.owner === 'F')).toHaveLength(6)
    expect(refused).toEqual(['F', 'F'])
    expect(heard.filter(h => h.owner === 'H')).toHaveLength(1)

    // A second later the bucket has refilled; the notice after the dropped ones shows a gap.
    near.set('s', 'served-by-F', { value: new Uint8Array([1]), version: 1n, expiresAt: 0, owner: 'F', fetchedAt: Date.now() })
    expect(near.get('s', 'served-by-F')).toBeDefined()
    now += 1_000
    flooder.publish({ keyspace: 's', key: 'after', version: 1n })
    await turns()
    expect(heard.some(h => h.item.key === 'after')).toBe(true)
    expect(near.get('s', 'served-by-F')).toBeUndefined()
    expect(reader.gaps).toBe(1)
  })
})
