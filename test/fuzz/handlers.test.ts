import fc from 'fast-check'
import { afterAll, describe, it } from 'vitest'
import { handlersProperty, releaseHarness } from '../../bench/fuzz-properties.js'

describe('fuzz: request handlers', () => {
  afterAll(releaseHarness)

  it('random requests of every op: settle, typed errors, wire-exact replies, a whole peer afterwards', async () => {
    await fc.assert(handlersProperty, { seed: 42, numRuns: 1500 })
  })
})
