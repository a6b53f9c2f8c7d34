/**
 * The bugs the fuzzing properties found, kept as the (shrunk) inputs that
 * showed them. Each runs through the same checks as the property.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { releaseHarness, runHandlerCase } from '../../bench/fuzz-properties.js'
import { FrameDecoder, encodeFrame } from '../../src/protocol/codec.js'
import { Op } from '../../src/protocol/frame.js'
import type { FrameSpec } from '../../bench/fuzz-frames.js'
import type { Frame } from '../../src/protocol/frame.js'

const U64_MAX = (1n << 64n) - 1n

/** Requests from remote peer 0, through the Rpc's dispatch. */
async function serve (...frames: Array<Partial<Frame>>): Promise<void> {
  await runHandlerCase({ stream: false, requests: frames.map(frame => ({ from: 0, spec: { frame, members: [] } })) })
}

describe('fuzz regressions', () => {
  afterAll(releaseHarness)

  it('a stored value with the JSON tag and broken JSON reads as ERR_MALFORMED_FRAME, not a SyntaxError', async () => {
    await serve({ op: Op.SET, entries: [{ keyspace: 'default', key: 'a', value: Uint8Array.of(0, 0x7b) }] })
  })

  it('a version of 2^64 - 1 from a peer does not push the clock past what the wire carries', async () => {
    await serve({ op: Op.HANDOFF, entries: [{ version: U64_MAX }] })
  })

  it('uint64s in [2^31, 2^32) are encoded right (protons-runtime 5.6 garbles them)', async () => {
    for (const v of [1n << 31n, (1n << 32n) - 1n]) {
      const frame = { version: v, entries: [{ keyspace: 'k', key: 'x', value: Uint8Array.of(1), version: v, expiresAt: v, staleAt: v }] }
      const [back] = new FrameDecoder({ maxFrameBytes: 1024, maxItems: 8 }).push(encodeFrame(frame))
      expect([back.version, back.entries[0].version, back.entries[0].expiresAt, back.entries[0].staleAt]).toEqual([v, v, v, v])
    }
    await serve({ op: Op.HANDOFF, entries: [{ key: 'a', value: Uint8Array.of(2), version: 1n << 31n }] }, { op: Op.GET, keys: ['a'] })
  })

  it('expiries and incarnations past 2^53 go back out as they were stored', async () => {
    await serve({ op: Op.HANDOFF, entries: [{ keyspace: 'default', key: 'a', expiresAt: U64_MAX - 1n }] }, { op: Op.GET, keyspace: 'default', keys: ['a'] })
    await serve({ op: Op.SET, entries: [{ keyspace: 'default', key: 'a', staleAt: U64_MAX - 1n }] }, { op: Op.LEASE, keyspace: 'default', keys: ['a'] })
    const join: FrameSpec = { frame: { op: Op.JOIN, mesh: 'fuzz' }, members: [{ peer: 1, member: { role: 'owner', weight: 1, incarnation: U64_MAX } }] }
    await runHandlerCase({ stream: false, requests: [{ from: 1, spec: join }] })
  })

  it('a LEASE wait of 2^32 - 1 ms does not overflow setTimeout (which would not wait at all, and warn)', async () => {
    await serve({ op: Op.LEASE, keyspace: 'ks', keys: ['a'], canLoad: true }, { op: Op.LEASE, keyspace: 'ks', keys: ['a'], waitMs: 0xffffffff })
  })

  it('a LEASE and a FILL without a key fail with a typed error, not a TypeError from the store', async () => {
    await serve({ op: Op.LEASE, keyspace: 'ks', canLoad: true }, { op: Op.FILL, keyspace: 'ks', lease: 1n, entries: [{ value: Uint8Array.of(1) }] })
  })
})
