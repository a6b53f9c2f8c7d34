/**
 * FanOut.toAllOwners: keys to all of their owners, one frame per owner (split
 * when large), retried while the owner is a member, answers merged.
 */
import { defaultLogger } from '@libp2p/logger'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { FanOut, MAX_BATCH_BYTES } from '../../../src/operations/fan-out.js'
import { withSingles } from '../../../src/operations/requests.js'
import { RETRY_PAUSES_MS } from '../../../src/operations/retry.js'
import { Op } from '../../../src/protocol/frame.js'
import { EMPTY, FakeView, RequestLog, TEST_SETTINGS } from './fakes.js'
import type { Requests } from '../../../src/operations/components.js'
import type { FanOutComponents } from '../../../src/operations/fan-out.js'
import type { Frame } from '../../../src/protocol/frame.js'

const KS = 'ks'
const closed = (owner: string): MeshCacheError => new MeshCacheError(ErrorCodes.UNAVAILABLE, `connection to ${owner} closed`)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})

afterEach(() => {
  vi.useRealTimers()
})

/**
 * A FanOut on peer a whose owners are b and c (members both, unless told);
 * `reply(owner, n, frame)` answers, or throws, the owner's n-th request.
 */
function fanOutTo (reply: (owner: string, n: number, frame: Partial<Frame>) => Partial<Frame>, members = ['b', 'c']): {
  fanOut: FanOut
  view: FakeView
  log: RequestLog
  /** When (fake ms since the start) each owner was asked. */
  times: Map<string, number[]>
} {
  const log = new RequestLog()
  const times = new Map<string, number[]>()
  const t0 = Date.now()
  const view = new FakeView({ owners: ['b', 'c'], members })
  const requests: Requests = withSingles(async (owner, frame) => {
    log.add('a', owner, frame)
    const list = times.get(owner) ?? []
    list.push(Date.now() - t0)
    times.set(owner, list)
    return { ...EMPTY, ...reply(owner, list.length - 1, frame) }
  })
  const components: FanOutComponents = { requests, view, now: () => Date.now(), settings: TEST_SETTINGS, logger: defaultLogger() }
  return { fanOut: new FanOut(components), view, log, times }
}

/** A SET-like frame naming its keys, to see which went where. */
const naming = (keys: string[]) => (indexes: number[]): Partial<Frame> => ({ op: Op.SET, keyspace: KS, keys: indexes.map(i => keys[i]) })
const foundAll = (_owner: string, _n: number, frame: Partial<Frame>): Partial<Frame> => ({ found: (frame.keys ?? []).map(() => true) })

/** Runs the fan-out to the end under fake timers: its flags, or its error. */
async function settle (run: Promise<boolean[]>): Promise<boolean[] | MeshCacheError> {
  const outcome = run.then(flags => flags, (err: MeshCacheError) => err)
  await vi.runAllTimersAsync()
  return outcome
}

describe('FanOut.toAllOwners', () => {
  it('sends one frame per owner, holding just the keys that owner owns', async () => {
    const { fanOut, view, log } = fanOutTo(foundAll, ['b', 'c', 'd'])
    view.own(['b', 'c'], 'k1')
    view.own(['c', 'd'], 'k2')
    view.own(['b'], 'k3')
    const keys = ['k1', 'k2', 'k3']
    expect(await fanOut.toAllOwners(KS, keys, naming(keys))).toEqual([true, true, true])
    expect(log.records.map(r => [r.to, r.keys])).toEqual([['b', ['k1', 'k3']], ['c', ['k1', 'k2']], ['d', ['k2']]])
  })

  it('splits an owner\'s keys into frames of at most MAX_BATCH_BYTES by sizeOf; a larger one goes alone', async () => {
    const { fanOut, view, log } = fanOutTo(foundAll, ['b'])
    view.own(['b'])
    // 200 + 200 KiB fit in 512 KiB, a third does not; one past the bound goes alone, and so does what follows it.
    const sizes = [200 * 1024, 200 * 1024, 200 * 1024, MAX_BATCH_BYTES + 1, 10]
    const keys = sizes.map((_size, i) => `k${i}`)
    expect(await fanOut.toAllOwners(KS, keys, naming(keys), i => sizes[i])).toEqual([true, true, true, true, true])
    expect(log.where({ to: 'b' }).map(r => r.keys)).toEqual([['k0', 'k1'], ['k2'], ['k3'], ['k4']])
  })

  it('without sizeOf, any number of keys to one owner is one frame', async () => {
    const { fanOut, log } = fanOutTo(foundAll)
    const keys = Array.from({ length: 5_000 }, (_v, i) => `k${i}`)
    await fanOut.toAllOwners(KS, keys, naming(keys))
    expect(log.count()).toBe(2)
  })

  it('a key\'s flag is true when any owner said so', async () => {
    const { fanOut } = fanOutTo((owner, _n, frame) => ({
      found: (frame.keys ?? []).map(key => (owner === 'b' && key === 'k1') || (owner === 'c' && key === 'k2'))
    }))
    const keys = ['k1', 'k2', 'k3']
    expect(await fanOut.toAllOwners(KS, keys, naming(keys))).toEqual([true, true, false])
  })

  it('one owner down: the other owner\'s answer is enough', async () => {
    const { fanOut, log } = fanOutTo((owner, _n, frame) => {
      if (owner === 'b') throw closed(owner)
      return foundAll(owner, 0, frame)
    }, ['c'])
    expect(await settle(fanOut.toAllOwners(KS, ['k'], naming(['k'])))).toEqual([true])
    expect(log.tally()).toEqual({ 'SET a→b': 1, 'SET a→c': 1 })
  })

  it('every owner of a key down rejects ERR_UNAVAILABLE naming that key, after the other keys were sent', async () => {
    const { fanOut, view, log } = fanOutTo((owner, _n, frame) => {
      if (owner === 'd') throw closed(owner)
      return foundAll(owner, 0, frame)
    }, ['b'])
    view.own(['b'], 'fine')
    view.own(['d'], 'lost')
    const outcome = await settle(fanOut.toAllOwners(KS, ['fine', 'lost'], naming(['fine', 'lost'])))
    expect(outcome).toBeInstanceOf(MeshCacheError)
    expect(outcome).toMatchObject({ code: ErrorCodes.UNAVAILABLE, message: expect.stringContaining('no owner of key "lost" answered: connection to d closed') })
    expect(log.where({ to: 'b' }).map(r => r.keys)).toEqual([['fine']])
  })

  it('a write lands when its owners\' connections close under the first attempts', async () => {
    const { fanOut, times } = fanOutTo((owner, n, frame) => {
      if (owner === 'b' && n < 2) throw closed(owner)
      if (owner === 'c') throw closed(owner)
      return foundAll(owner, n, frame)
    })
    expect(await settle(fanOut.toAllOwners(KS, ['k'], naming(['k'])))).toEqual([true])
    const [first, second] = RETRY_PAUSES_MS
    expect(Object.fromEntries(times)).toEqual({ b: [0, first, first + second], c: [0, first, first + second] })
  })

  it('fails with ERR_UNAVAILABLE when no owner answers, without retrying owners that left', async () => {
    const { fanOut, times } = fanOutTo(owner => { throw closed(owner) }, [])
    const outcome = await settle(fanOut.toAllOwners(KS, ['k'], naming(['k'])))
    expect(outcome).toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect(Object.fromEntries(times)).toEqual({ b: [0], c: [0] })
  })

  it('stops retrying an owner once it leaves the view', async () => {
    const { fanOut, view, times } = fanOutTo(owner => {
      if (owner === 'b') view.members.delete('b') // b is declared dead while its first request fails
      throw closed(owner)
    })
    const outcome = await settle(fanOut.toAllOwners(KS, ['k'], naming(['k'])))
    expect(outcome).toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect([times.get('b')?.length, times.get('c')?.length]).toEqual([1, 3])
  })

  it('does not retry an error a new connection cannot cure', async () => {
    const { fanOut, times } = fanOutTo(() => { throw new MeshCacheError(ErrorCodes.UNAUTHORIZED, 'no secret') })
    const outcome = await settle(fanOut.toAllOwners(KS, ['k'], naming(['k'])))
    expect(outcome).toMatchObject({ code: ErrorCodes.UNAVAILABLE, cause: { code: ErrorCodes.UNAUTHORIZED } })
    expect(Object.fromEntries(times)).toEqual({ b: [0], c: [0] })
  })

  it('skip leaves a peer out (a forwarding owner itself)', async () => {
    const { fanOut, view, log } = fanOutTo(foundAll)
    view.own(['a', 'b'])
    expect(await fanOut.toAllOwners(KS, ['k'], naming(['k']), undefined, 'a')).toEqual([true])
    expect(log.tally()).toEqual({ 'SET a→b': 1 })
  })

  it('no owner at all rejects ERR_UNAVAILABLE without a request', async () => {
    const { fanOut, view, log } = fanOutTo(foundAll)
    view.own([])
    await expect(fanOut.toAllOwners(KS, ['k'], naming(['k']))).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    view.own(['a'])
    await expect(fanOut.toAllOwners(KS, ['k'], naming(['k']), undefined, 'a')).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect(log.count()).toBe(0)
  })
})
