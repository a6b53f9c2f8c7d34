import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { RETRY_PAUSES_MS, withRetries } from '../../../src/operations/retry.js'
import type { RetryComponents } from '../../../src/operations/retry.js'

const TIMEOUT_MS = 5_000
const closed = (): MeshCacheError => new MeshCacheError(ErrorCodes.UNAVAILABLE, 'connection to p closed')

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})

afterEach(() => {
  vi.useRealTimers()
})

const ctx: RetryComponents = { now: () => Date.now(), settings: { requestTimeoutMs: TIMEOUT_MS } }

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
