import fc from 'fast-check'
import { describe, it } from 'vitest'
import { decoderProperty, roundTripProperty } from '../../bench/fuzz-properties.js'

describe('fuzz: FrameDecoder', () => {
  it('hostile bytes cut anywhere: typed errors only, bounded buffer, same outcome as uncut', () => {
    fc.assert(decoderProperty, { seed: 42, numRuns: 5000 })
  })

  it('well-formed frames cut anywhere come back exactly', () => {
    fc.assert(roundTripProperty, { seed: 42, numRuns: 1000 })
  })
})
