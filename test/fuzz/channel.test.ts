import fc from 'fast-check'
import { afterAll, describe, it } from 'vitest'
import { channelProperty, releaseHarness } from '../../bench/fuzz-properties.js'

describe('fuzz: channels', () => {
  afterAll(releaseHarness)

  it('garbage on one stream resets it and counts it; other peers are still served', async () => {
    await fc.assert(channelProperty, { seed: 42, numRuns: 300 })
  })
})
