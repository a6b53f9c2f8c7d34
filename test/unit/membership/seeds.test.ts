import { defaultLogger } from '@libp2p/logger'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { dialSeeds } from '../../../src/membership/seeds.js'
import { turns } from '../fakes.js'
import { realPeerId } from '../ownership/helpers.js'
import type { SeedComponents } from '../../../src/membership/seeds.js'
import type { PeerId } from '@libp2p/interface'

const TIMEOUT_MS = 1_000

let self: PeerId
let b: PeerId
let c: PeerId

beforeAll(async () => {
  [self, b, c] = await Promise.all([realPeerId(), realPeerId(), realPeerId()])
})

const addr = (port: number, peer: PeerId): string => `/ip4/127.0.0.1/tcp/${port}/p2p/${peer.toString()}`

interface Dial { addr: string, at: number, signal: AbortSignal }

/**
 * A dial component answering per address: `answers(addr, attempt)` gives the
 * peer reached, or undefined for a failed dial (attempt counts from 1 per address).
 */
function dialer (answers: (addr: string, attempt: number) => PeerId | undefined): { components: SeedComponents, dials: Dial[] } {
  const dials: Dial[] = []
  const attempts = new Map<string, number>()
  const components: SeedComponents = {
    self: self.toString(),
    logger: defaultLogger(),
    dial: async (ma, { signal }) => {
      const text = ma.toString()
      const attempt = (attempts.get(text) ?? 0) + 1
      attempts.set(text, attempt)
      dials.push({ addr: text, at: Date.now(), signal })
      const peer = answers(text, attempt)
      if (peer == null) throw new Error(`connection refused at ${text}`)
      return { remotePeer: peer }
    }
  }
  return { components, dials }
}

describe('dialSeeds', () => {
  const START = 1_700_000_000_000

  beforeEach(() => {
    vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('resolves with the distinct remote peers reached, leaving out self', async () => {
    const seeds = [addr(1, b), addr(2, b), addr(3, c), addr(4, self)]
    const peerAt = new Map(seeds.map((s, i) => [s, [b, b, c, self][i]]))
    const { components, dials } = dialer(a => peerAt.get(a))
    const reached = await dialSeeds(components, seeds, TIMEOUT_MS)
    expect([...reached].sort()).toEqual([b.toString(), c.toString()].sort())
    expect(reached).toHaveLength(2)
    // One round was enough: every seed dialled once.
    expect(dials.map(d => d.addr).sort()).toEqual([...seeds].sort())
  })

  it('reaches a seed that fails in round 1 and answers in round 2, 500 ms later', async () => {
    const seed = addr(1, b)
    const { components, dials } = dialer((_a, attempt) => attempt >= 2 ? b : undefined)
    let result: string[] | undefined
    const done = dialSeeds(components, [seed], TIMEOUT_MS).then(r => { result = r })
    await turns()
    expect(dials).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(499)
    expect(dials).toHaveLength(1)
    expect(result).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    await done
    expect(result).toEqual([b.toString()])
    expect(dials.map(d => d.at - START)).toEqual([0, 500])
  })

  it('rejects ERR_UNAVAILABLE naming the count after 3 rounds (waits of 500 then 1000 ms)', async () => {
    const seeds = [addr(1, b), addr(2, c)]
    const { components, dials } = dialer(() => undefined)
    const outcome = dialSeeds(components, seeds, TIMEOUT_MS).then(() => undefined, (err: unknown) => err)
    await vi.advanceTimersByTimeAsync(1_499)
    expect(dials).toHaveLength(4)
    await vi.advanceTimersByTimeAsync(1)
    const err = await outcome
    expect(err).toBeInstanceOf(MeshCacheError)
    expect(err).toMatchObject({ code: ErrorCodes.UNAVAILABLE, message: expect.stringContaining('2 bootstrap') })
    expect(dials).toHaveLength(6)
    expect([...new Set(dials.map(d => d.at - START))]).toEqual([0, 500, 1_500])
  })

  it('counts a seed that turns out to be this peer itself as not reached', async () => {
    const { components, dials } = dialer(() => self)
    const outcome = dialSeeds(components, [addr(1, self)], TIMEOUT_MS).then(() => undefined, (err: unknown) => err)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(await outcome).toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect(dials).toHaveLength(3)
  })

  it('a seed address that does not parse is a failed seed, not a throw', async () => {
    const good = addr(2, c)
    const { components, dials } = dialer(a => a === good ? c : undefined)
    await expect(dialSeeds(components, ['not a multiaddr', good], TIMEOUT_MS)).resolves.toEqual([c.toString()])
    expect(dials.map(d => d.addr)).toEqual([good])
  })

  it('with no bootstrap at all resolves [] without dialling', async () => {
    const { components, dials } = dialer(() => b)
    await expect(dialSeeds(components, [], TIMEOUT_MS)).resolves.toEqual([])
    expect(dials).toEqual([])
  })
})

describe('dialSeeds timeout', () => {
  it('gives each dial a signal that aborts after timeoutMs', async () => {
    const slow = addr(1, b)
    const fast = addr(2, c)
    const dials: Dial[] = []
    const components: SeedComponents = {
      self: self.toString(),
      logger: defaultLogger(),
      dial: async (ma, { signal }) => {
        dials.push({ addr: ma.toString(), at: Date.now(), signal })
        if (ma.toString() === fast) return { remotePeer: c }
        // The slow seed never answers: only its signal ends the dial.
        return new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => { reject(new Error('dial aborted')) })
        })
      }
    }
    const started = Date.now()
    await expect(dialSeeds(components, [slow, fast], 50)).resolves.toEqual([c.toString()])
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
    const slowDial = dials.find(d => d.addr === slow)
    expect(slowDial?.signal.aborted).toBe(true)
    expect(dials.find(d => d.addr === fast)?.signal.aborted).toBe(false)
  })
})
