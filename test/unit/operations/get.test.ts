/**
 * GetOperation: the owner's lookup (handle) and the requester's way from its
 * own store and near cache to the owners, and from them to the successors.
 * Each case counts the requests it made (network.calls): that count is what
 * a change to the read path changes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { Op } from '../../../src/protocol/frame.js'
import { turns } from '../fakes.js'
import { EMPTY, FakeNetwork, NEAR_CACHE, held, put } from './fakes.js'
import type { StoredEntry } from '../../../src/store/index.js'

const KS = 'ks'

/** a reads; b and c own every key; d is next in line. */
function mesh (): FakeNetwork {
  return new FakeNetwork(['a', 'b', 'c', 'd'], { owners: ['b', 'c'], successors: ['b', 'c', 'd'] })
}

const first = (entry: StoredEntry | undefined): number | undefined => entry?.value[0]

afterEach(() => {
  vi.useRealTimers()
})

describe('GetOperation.handle (owner)', () => {
  it('answers live entries only, and found says which keys it knows, a deleted one included', async () => {
    const net = mesh()
    const b = net.peer('b')
    put(b, KS, 'live', 1, 5n)
    put(b, KS, 'gone', 2, 6n)
    b.components.store.remove(KS, 'gone', 7n)
    put(b, KS, 'expired', 3, 8n, net.clock.now + 10)
    net.clock.now += 10
    const reply = await b.ops.get.handle({ ...EMPTY, op: Op.GET, keyspace: KS, keys: ['live', 'gone', 'unknown', 'expired'] })
    expect(reply.entries?.map(e => [e.key, e.value[0], e.version])).toEqual([['live', 1, 5n]])
    expect(reply.found).toEqual([true, true, false, false])
  })

  it('stops past MAX_REPLY_BYTES (512 KiB); found.length tells the asker where to go on', async () => {
    const net = mesh()
    const b = net.peer('b')
    const big = (n: number): Uint8Array => new Uint8Array(200 * 1024).fill(n)
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5']
    keys.forEach((key, i) => { put(b, KS, key, big(i + 1), 10n) })
    const reply = await b.ops.get.handle({ ...EMPTY, op: Op.GET, keyspace: KS, keys })
    // 200 + 200 KiB is under the bound, 600 KiB is past it: the fourth key waits.
    expect(reply.entries?.map(e => e.key)).toEqual(['k1', 'k2', 'k3'])
    expect(reply.found).toEqual([true, true, true])
    const rest = await b.ops.get.handle({ ...EMPTY, op: Op.GET, keyspace: KS, keys: keys.slice(reply.found?.length) })
    expect(rest.entries?.map(e => e.key)).toEqual(['k4', 'k5'])
  })
})

describe('GetOperation.entries (requester) while the view settles', () => {
  it('a reader asks on where a large answer stopped, and gets every key', async () => {
    const net = mesh()
    net.own(['b'])
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5']
    keys.forEach((key, i) => { put(net.peer('b'), KS, key, new Uint8Array(200 * 1024).fill(i + 1), 10n) })
    const found = await net.peer('a').ops.get.entries(KS, keys)
    expect(found.map(first)).toEqual([1, 2, 3, 4, 5])
    expect(net.calls.where({ op: Op.GET, to: 'b' }).map(r => r.keys)).toEqual([keys, ['k4', 'k5']])
  })

  it('an owner answers its own entry without a request', async () => {
    const net = mesh()
    net.own(['a', 'b'])
    const a = net.peer('a')
    put(a, KS, 'k', 7, 10n)
    expect((await a.ops.get.entries(KS, ['k'])).map(first)).toEqual([7])
    expect(net.calls.count()).toBe(0)
  })

  it('an owner missing the key asks every owner, itself in place', async () => {
    const net = mesh()
    net.own(['a', 'b'])
    put(net.peer('b'), KS, 'k', 7, 10n)
    const a = net.peer('a')
    expect((await a.ops.get.entries(KS, ['k'])).map(first)).toEqual([7])
    expect(net.calls.tally()).toEqual({ 'GET a→a': 1, 'GET a→b': 1 })
    expect(a.components.near.size).toBe(0) // an owner keeps no near copies
  })

  it('a near copy is answered without a request, until it is too old', async () => {
    const net = mesh()
    const a = net.peer('a')
    a.components.near.set(KS, 'k', { value: Uint8Array.of(4), version: 10n, expiresAt: 0, owner: 'b', fetchedAt: net.clock.now })
    expect((await a.ops.get.entries(KS, ['k'])).map(first)).toEqual([4])
    expect(net.calls.count()).toBe(0)
    net.clock.now += NEAR_CACHE.maxStalenessMs + 1
    expect((await a.ops.get.entries(KS, ['k'])).map(first)).toEqual([undefined])
    expect(net.calls.tally()).toEqual({ 'GET a→b': 1, 'GET a→c': 1, 'GET a→d': 1 })
  })

  it('a miss asks both owners at once and keeps the newer version, whichever owner has it', async () => {
    const net = mesh()
    const [b, c] = [net.peer('b'), net.peer('c')]
    put(b, KS, 'k1', 2, 20n)
    put(c, KS, 'k1', 1, 10n)
    put(b, KS, 'k2', 1, 10n)
    put(c, KS, 'k2', 2, 20n)
    const a = net.peer('a')
    const found = await a.ops.get.entries(KS, ['k1', 'k2'])
    expect(found.map(first)).toEqual([2, 2])
    expect(found.map(e => e?.version)).toEqual([20n, 20n])
    // One frame per owner for both keys.
    expect(net.calls.tally()).toEqual({ 'GET a→b': 1, 'GET a→c': 1 })
  })

  it('a later write from the reader orders after what it read', async () => {
    const net = mesh()
    const ahead = BigInt(net.clock.now + 60_000) << 16n
    put(net.peer('b'), KS, 'k', 1, ahead)
    const a = net.peer('a')
    await a.ops.get.entries(KS, ['k'])
    expect(a.components.clock.tick()).toBeGreaterThan(ahead)
  })

  it('a copy from another owner lands in the near cache: the next read makes no request', async () => {
    const net = mesh()
    put(net.peer('b'), KS, 'k', 1, 10n)
    put(net.peer('c'), KS, 'k', 2, 20n)
    const a = net.peer('a')
    await a.ops.get.entries(KS, ['k'])
    const copy = a.components.near.get(KS, 'k')
    expect(copy).toMatchObject({ version: 20n, owner: 'c', fetchedAt: net.clock.now })
    expect(copy?.value[0]).toBe(2)
    net.calls.clear()
    expect((await a.ops.get.entries(KS, ['k'])).map(first)).toEqual([2])
    expect(net.calls.count()).toBe(0)
  })

  it('keys every owner missed are looked for with the successors and written back to the owners', async () => {
    const net = mesh()
    put(net.peer('d'), KS, 'moved', 5, 30n)
    const a = net.peer('a')
    const found = await a.ops.get.entries(KS, ['moved', 'nowhere'])
    expect(found.map(first)).toEqual([5, undefined])
    await turns()
    // The successors without the owners (b, c are in both lists), for both keys; the write-back only for the found one.
    expect(net.calls.where({ op: Op.GET, to: 'd' }).map(r => r.keys)).toEqual([['moved', 'nowhere']])
    expect(net.calls.where({ op: Op.SET }).map(r => [r.to, r.entries.map(e => e.key)])).toEqual([['b', ['moved']], ['c', ['moved']]])
    expect(net.calls.tally()).toEqual({ 'GET a→b': 1, 'GET a→c': 1, 'GET a→d': 1, 'SET a→b (forwarded)': 1, 'SET a→c (forwarded)': 1 })
    expect([held(net.peer('b'), KS, 'moved'), held(net.peer('c'), KS, 'moved')]).toEqual([5, 5])
    expect(net.peer('b').components.store.peek(KS, 'moved')?.version).toBe(30n)
  })

  it('a key an owner knows as deleted is not looked for with the successors', async () => {
    const net = mesh()
    const b = net.peer('b')
    put(b, KS, 'k', 1, 10n)
    b.components.store.remove(KS, 'k', 20n)
    put(net.peer('d'), KS, 'k', 1, 10n) // the old value, left with a previous owner
    const found = await net.peer('a').ops.get.entries(KS, ['k'])
    expect(found).toEqual([undefined])
    await turns()
    expect(net.calls.count({ to: 'd' })).toBe(0)
    expect(net.calls.tally()).toEqual({ 'GET a→b': 1, 'GET a→c': 1 })
  })

  it('one owner down: the other answers, and nothing is asked again', async () => {
    const net = mesh()
    net.kill('b')
    put(net.peer('c'), KS, 'k', 3, 10n)
    expect((await net.peer('a').ops.get.entries(KS, ['k'])).map(first)).toEqual([3])
    expect(net.calls.tally()).toEqual({ 'GET a→b': 1, 'GET a→c': 1 })
  })

  it('when every owner fails the read is tried again after 100 ms and 1 s, then rejects ERR_UNAVAILABLE', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const net = mesh()
    net.down.add('b')
    net.down.add('c') // still members: worth trying again
    const reading = net.peer('a').ops.get.entries(KS, ['k']).catch((err: unknown) => err)
    await vi.advanceTimersByTimeAsync(99)
    expect(net.calls.tally()).toEqual({ 'GET a→b': 1, 'GET a→c': 1 })
    await vi.advanceTimersByTimeAsync(1)
    expect(net.calls.tally()).toEqual({ 'GET a→b': 2, 'GET a→c': 2 })
    await vi.advanceTimersByTimeAsync(999)
    expect(net.calls.count({ op: Op.GET })).toBe(4)
    await vi.advanceTimersByTimeAsync(1)
    const err = await reading
    expect(err).toBeInstanceOf(MeshCacheError)
    expect(err).toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    // Three attempts each, then the successor (d, which has nothing).
    expect(net.calls.tally()).toEqual({ 'GET a→b': 3, 'GET a→c': 3, 'GET a→d': 1 })
  })

  it('owners that left the view are not asked again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const net = mesh()
    net.kill('b')
    net.kill('c')
    const reading = net.peer('a').ops.get.entries(KS, ['k']).catch((err: unknown) => err)
    await vi.runAllTimersAsync()
    expect(await reading).toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect(net.calls.tally()).toEqual({ 'GET a→b': 1, 'GET a→c': 1, 'GET a→d': 1 })
  })

  it('no owner at all rejects ERR_UNAVAILABLE without a request', async () => {
    const net = mesh()
    net.own([])
    await expect(net.peer('a').ops.get.entries(KS, ['k'])).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect(net.calls.count()).toBe(0)
  })

  it('with batching, two reads to the same owners in one turn cost one frame per owner', async () => {
    const net = new FakeNetwork(['a', 'b', 'c'], { owners: ['b', 'c'], batching: true })
    put(net.peer('b'), KS, 'k1', 1, 10n)
    put(net.peer('c'), KS, 'k2', 2, 10n)
    const a = net.peer('a')
    const [one, two] = await Promise.all([a.ops.get.entries(KS, ['k1']), a.ops.get.entries(KS, ['k2'])])
    expect([first(one[0]), first(two[0])]).toEqual([1, 2])
    expect(net.calls.count()).toBe(4)
    expect(net.frames.tally()).toEqual({ 'GET a→b': 1, 'GET a→c': 1 })
  })
})
