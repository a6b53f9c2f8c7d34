/** Stillness: a view is stable once nothing disturbed it for the hand-off grace. */
import { describe, expect, it } from 'vitest'
import { Stillness } from '../../../src/ownership/stillness.js'

describe('Stillness', () => {
  it('starts unsettled, is still once the grace has passed, and a disturbance starts the wait again', () => {
    let now = 1_000
    const stillness = new Stillness(3_000, () => now)
    expect(stillness.still).toBe(false)
    now += 2_999
    expect(stillness.still).toBe(false)
    now += 1
    expect(stillness.still).toBe(true)
    stillness.disturb()
    expect(stillness.still).toBe(false)
    now += 3_000
    expect(stillness.still).toBe(true)
  })

  it('a disturbance over several graces waits that long, and a shorter one after it does not cut it short', () => {
    let now = 0
    const stillness = new Stillness(1_000, () => now)
    now = 1_000
    stillness.disturb(2)
    now = 1_500
    stillness.disturb(1)
    now = 2_999
    expect(stillness.still).toBe(false)
    now = 3_000
    expect(stillness.still).toBe(true)
  })
})
