/** RecentMap: the newest value of at least the last `max` keys written. */
import { describe, expect, it } from 'vitest'
import { RecentMap } from '../../../src/util/recent.js'

describe('RecentMap', () => {
  it('keeps the newest value per key, and at least the last max keys written', () => {
    const map = new RecentMap<string, number>(3)
    for (let i = 0; i < 10; i++) map.set(`k${i}`, i)
    map.set('k9', 99)
    // The last three keys are always there; much older ones are gone.
    expect([map.get('k7'), map.get('k8'), map.get('k9')]).toEqual([7, 8, 99])
    expect(map.get('k0')).toBeUndefined()
    expect(map.get('k2')).toBeUndefined()
  })

  it('holds at most twice max keys, and clear forgets them all', () => {
    const map = new RecentMap<number, number>(4)
    for (let i = 0; i < 100; i++) map.set(i, i)
    expect(Array.from({ length: 100 }, (_, i) => map.get(i)).filter(v => v !== undefined).length).toBeLessThanOrEqual(8)
    map.clear()
    expect(map.get(99)).toBeUndefined()
  })
})
