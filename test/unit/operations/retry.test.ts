import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { toAllOwners } from '../../../src/operations/fan-out.js'
import { RETRY_PAUSES_MS, withRetries } from '../../../src/operations/retry.js'
import { Frame, Op } from '../../../src/protocol/frame.js'
import type { Context } from '../../../src/operations/context.js'

const TIMEOUT_MS = 5_000
const closed = (): MeshCacheError => new MeshCacheError(ErrorCodes.UNAVAILABLE, 'connection to p closed')
const EMPTY = Frame.decode(new Uint8Array(0))

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})

afterEach(() => {
  vi.useRealTimers()
})

const ctx = { now: () => Date.now(), settings: { requestTimeoutMs: TIMEOUT_MS } } as unknown as Context

/** An attempt that fails with `errors` in turn, then answers 'ok'; records when each attempt began. */
function failing (...errors: Error[]): { attempt: () => Promise<string>, starts: number[] } {
  const starts: number[] = []
  const t0 = Date.now()
  return {
    starts,
    attempt: async () => {
      starts.push(Date.now() - t0)
      const err = errors[starts.length - 1]
      if (err != null) throw err
      return 'ok'
    }
  }
}

/** Runs withRetries to the end under fake timers, returning its answer or error. */
async function settle (run: Promise<string>): Promise<string | Error> {
  const outcome = run.then(value => value, (err: Error) => err)
  await vi.runAllTimersAsync()
  return outcome
}

describe('withRetries', () => {
  it('tries a closed connection again after a pause and returns the answer', async () => {
    const { attempt, starts } = failing(closed())
    expect(await settle(withRetries(ctx, attempt, () => true))).toBe('ok')
    expect(starts).toEqual([0, RETRY_PAUSES_MS[0]])
  })

  it('gives up after three attempts with the last error', async () => {
    const last = new MeshCacheError(ErrorCodes.TIMEOUT, 'third')
    const { attempt, starts } = failing(closed(), closed(), last, closed())
    expect(await settle(withRetries(ctx, attempt, () => true))).toBe(last)
    expect(starts).toEqual([0, RETRY_PAUSES_MS[0], RETRY_PAUSES_MS[0] + RETRY_PAUSES_MS[1]])
  })

  it('does not retry what a new connection cannot cure', async () => {
    const refused = new MeshCacheError(ErrorCodes.UNAUTHORIZED, 'no secret')
    const { attempt, starts } = failing(refused)
    expect(await settle(withRetries(ctx, attempt, () => true))).toBe(refused)
    expect(starts).toHaveLength(1)
  })

  it('does not retry once the peer is no longer worth it (it left the view)', async () => {
    const { attempt, starts } = failing(closed())
    expect(await settle(withRetries(ctx, attempt, () => false))).toBeInstanceOf(MeshCacheError)
    expect(starts).toHaveLength(1)
  })

  it('tries a timed-out request once more, not twice', async () => {
    const slow = async (): Promise<string> => {
      await new Promise(resolve => setTimeout(resolve, TIMEOUT_MS))
      throw new MeshCacheError(ErrorCodes.TIMEOUT, 'timed out')
    }
    let attempts = 0
    const outcome = await settle(withRetries(ctx, async () => { attempts++; return slow() }, () => true))
    expect((outcome as MeshCacheError).code).toBe(ErrorCodes.TIMEOUT)
    expect(attempts).toBe(2)
  })
})

describe('toAllOwners', () => {
  /** A context whose owners are b and c; `reply(owner, n)` answers (or throws) the owner's n-th request. */
  function fanOutContext (reply: (owner: string, n: number) => Partial<Frame>, members = new Set(['b', 'c'])): { ctx: Context, asked: Map<string, number> } {
    const asked = new Map<string, number>()
    const request = async (owner: string): Promise<Frame> => {
      const n = asked.get(owner) ?? 0
      asked.set(owner, n + 1)
      return { ...EMPTY, ...reply(owner, n) }
    }
    const fan = {
      ...ctx,
      self: 'a',
      owners: () => ['b', 'c'],
      membership: { has: (peer: string) => members.has(peer) },
      batches: { request },
      rpc: { request }
    } as unknown as Context
    return { ctx: fan, asked }
  }
  const write = (c: Context): Promise<boolean[]> => toAllOwners(c, 'ks', ['k'], () => ({ op: Op.SET, entries: [] }))

  it('a write lands when its owners\' connections close under the first attempts', async () => {
    const { ctx: c, asked } = fanOutContext((owner, n) => {
      if (owner === 'b' && n < 2) throw closed()
      if (owner === 'c') throw closed()
      return { found: [true] }
    })
    const outcome = write(c)
    await vi.runAllTimersAsync()
    expect(await outcome).toEqual([true])
    expect(Object.fromEntries(asked)).toEqual({ b: 3, c: 3 })
  })

  it('fails with ERR_UNAVAILABLE when no owner answers, without retrying owners that left', async () => {
    const { ctx: c, asked } = fanOutContext(() => { throw closed() }, new Set())
    const outcome = write(c).catch((err: MeshCacheError) => err)
    await vi.runAllTimersAsync()
    expect((await outcome as MeshCacheError).code).toBe(ErrorCodes.UNAVAILABLE)
    expect(Object.fromEntries(asked)).toEqual({ b: 1, c: 1 })
  })
})
