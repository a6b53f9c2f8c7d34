/**
 * ReadThroughOperation: getOrLoad with leases. The key's primary owner (b)
 * grants one lease per missing key; its holder loads and fills, and every
 * other asker waits at the owner for that fill.
 */
import { describe, expect, it } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { Op } from '../../../src/protocol/frame.js'
import { decodeValue, entryId, isMissMarker } from '../../../src/values.js'
import { turns } from '../fakes.js'
import { EMPTY, FakeNetwork } from './fakes.js'
import type { Loader } from '../../../src/operations/components.js'
import type { Value } from '../../../src/values.js'

const KS = 'ks'

/** a and d ask; b (primary) and c own every key. */
function mesh (): FakeNetwork {
  return new FakeNetwork(['a', 'b', 'c', 'd'], { owners: ['b', 'c'] })
}

/** A loader that answers once released (or fails once refused), counting its calls. */
function heldLoader (): { load: Loader, calls: () => number, release: (value: Value | undefined) => void, refuse: (err: Error) => void } {
  let calls = 0
  let release!: (value: Value | undefined) => void
  let refuse!: (err: Error) => void
  const answer = new Promise<Value | undefined>((resolve, reject) => { release = resolve; refuse = reject })
  return { load: async () => { calls++; return answer }, calls: () => calls, release, refuse }
}

function countingLoader (value: Value | undefined): { load: Loader, calls: () => number } {
  let calls = 0
  return { load: () => { calls++; return value }, calls: () => calls }
}

const decoded = (bytes: Uint8Array | undefined): Value | undefined => bytes == null ? undefined : decodeValue(bytes)

/** Waits until the primary owner has granted `n` leases. */
async function leasesOut (net: FakeNetwork, n = 1): Promise<void> {
  for (let i = 0; i < 50 && net.peer('b').ops.readThrough.leases.size < n; i++) await turns(1)
  expect(net.peer('b').ops.readThrough.leases.size).toBe(n)
}

describe('ReadThroughOperation.getOrLoad', () => {
  it('concurrent askers on one peer share one lease and one load', async () => {
    const net = mesh()
    const a = net.peer('a')
    const loader = countingLoader({ n: 1 })
    const [one, two] = await Promise.all([
      a.ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined),
      a.ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined)
    ])
    expect(loader.calls()).toBe(1)
    expect(a.components.counters.loads).toBe(1)
    expect([one.loaded, two.loaded]).toEqual([true, false])
    expect([decoded(one.entry?.value), decoded(two.entry?.value)]).toEqual([{ n: 1 }, { n: 1 }])
    expect(net.calls.tally({ from: 'a' })).toEqual({ 'LEASE a→b': 1, 'FILL a→b': 1 })
    // The lease waits twice the lease time at the owner, and the request that much longer.
    const { leaseTimeoutMs, requestTimeoutMs } = a.components.settings
    expect(net.calls.where({ op: Op.LEASE }).map(r => r.timeoutMs)).toEqual([leaseTimeoutMs * 2 + requestTimeoutMs])
    // The owner wrote the loaded value to every owner, stamped when it granted the lease.
    for (const owner of ['b', 'c']) expect(decoded(net.peer(owner).components.store.peek(KS, 'k')?.value)).toEqual({ n: 1 })
    expect(net.calls.tally({ from: 'b' })).toEqual({ 'SET b→b': 1, 'SET b→c': 1 })
    expect(net.peer('b').ops.readThrough.leases.size).toBe(0)
  })

  it('the first asker at the owner gets the lease; a second asker elsewhere waits for its fill', async () => {
    const net = mesh()
    const loader = heldLoader()
    const other = countingLoader('not me')
    const first = net.peer('a').ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined)
    await leasesOut(net)
    const second = net.peer('d').ops.readThrough.getOrLoad(KS, 'k', other.load, undefined)
    await turns()
    expect(net.calls.count({ op: Op.LEASE })).toBe(2)
    loader.release('loaded')
    const [a, d] = await Promise.all([first, second])
    expect([a.loaded, d.loaded]).toEqual([true, false])
    expect([decoded(a.entry?.value), decoded(d.entry?.value)]).toEqual(['loaded', 'loaded'])
    expect(other.calls()).toBe(0)
    expect(loader.calls()).toBe(1)
    // d waited at b, not at c, and keeps a near copy (it owns nothing).
    expect(net.calls.tally({ from: 'd' })).toEqual({ 'LEASE d→b': 1 })
    expect(decoded(net.peer('d').components.near.get(KS, 'k')?.value)).toBe('loaded')
  })

  it('the loader\'s failure reaches the waiter as ERR_LOADER_FAILED, with its message', async () => {
    const net = mesh()
    const loader = heldLoader()
    const first = net.peer('a').ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined).catch((err: unknown) => err)
    await leasesOut(net)
    const second = net.peer('d').ops.readThrough.getOrLoad(KS, 'k', countingLoader(1).load, undefined).catch((err: unknown) => err)
    await turns()
    loader.refuse(new Error('db down'))
    for (const err of await Promise.all([first, second])) {
      expect(err).toBeInstanceOf(MeshCacheError)
      expect(err).toMatchObject({ code: ErrorCodes.LOADER_FAILED, message: 'db down' })
    }
    // An answer, not an unreachable owner: nobody tries the next owner.
    expect(net.calls.count({ op: Op.LEASE, to: 'c' })).toBe(0)
    expect(net.peer('b').components.store.peek(KS, 'k')).toBeUndefined()
  })

  it('a fill from a peer that does not hold the lease, or for another token, is dropped', async () => {
    const net = mesh()
    const loader = heldLoader()
    const first = net.peer('a').ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined)
    await leasesOut(net)
    const b = net.peer('b')
    const { leases } = b.ops.readThrough
    const id = entryId(KS, 'k')
    expect(leases.holds(id, 1n, 'a')).toBe(true)
    const forged = { ...EMPTY, op: Op.FILL, keyspace: KS, keys: ['k'], entries: [{ keyspace: KS, key: 'k', value: Uint8Array.of(0, 49), version: 0n, expiresAt: 0n, staleAt: 0n }] }
    expect(await b.ops.readThrough.handleFill({ ...forged, lease: 1n }, 'd')).toEqual({})
    expect(await b.ops.readThrough.handleFill({ ...forged, lease: 2n }, 'a')).toEqual({})
    expect(b.components.store.peek(KS, 'k')).toBeUndefined()
    expect(leases.holds(id, 1n, 'a')).toBe(true)
    loader.release(2)
    expect(decoded((await first).entry?.value)).toBe(2)
    expect(decoded(b.components.store.peek(KS, 'k')?.value)).toBe(2)
  })

  it('a loader that finds nothing caches a miss marker for missTtlMs, and nobody loads again meanwhile', async () => {
    const net = mesh()
    const a = net.peer('a')
    a.components.keyspaces.set(KS, { missTtlMs: 30_000 })
    const loader = countingLoader(undefined)
    const result = await a.ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined)
    expect(result.loaded).toBe(true)
    expect(isMissMarker(result.entry?.value ?? new Uint8Array())).toBe(true)
    for (const owner of ['b', 'c']) {
      const stored = net.peer(owner).components.store.peek(KS, 'k')
      expect(isMissMarker(stored?.value ?? new Uint8Array())).toBe(true)
      expect(stored?.expiresAt).toBe(net.clock.now + 30_000)
    }
    const again = countingLoader('late')
    const second = await net.peer('d').ops.readThrough.getOrLoad(KS, 'k', again.load, undefined)
    expect(again.calls()).toBe(0)
    expect(second.loaded).toBe(false)
    expect(isMissMarker(second.entry?.value ?? new Uint8Array())).toBe(true)
  })

  it('without missTtlMs a loader that finds nothing caches nothing: the next asker loads again', async () => {
    const net = mesh()
    const loader = countingLoader(undefined)
    expect(await net.peer('a').ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined)).toEqual({ entry: undefined, loaded: true })
    expect(net.peer('b').components.store.peek(KS, 'k')).toBeUndefined()
    expect(net.calls.count({ op: Op.SET })).toBe(0)
    await net.peer('d').ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined)
    expect(loader.calls()).toBe(2)
  })

  it('no loader and no value rejects ERR_NO_LOADER; the keyspace\'s loader counts as one', async () => {
    const net = mesh()
    const a = net.peer('a')
    await expect(a.ops.readThrough.getOrLoad(KS, 'k', undefined, undefined)).rejects.toMatchObject({ code: ErrorCodes.NO_LOADER })
    expect(net.calls.where({ op: Op.LEASE }).map(r => r.to)).toEqual(['b'])
    expect(net.peer('b').ops.readThrough.leases.size).toBe(0) // an asker that cannot load gets no lease
    const configured = countingLoader('from keyspace')
    a.components.keyspaces.set(KS, { load: configured.load })
    expect(decoded((await a.ops.readThrough.getOrLoad(KS, 'k', undefined, undefined)).entry?.value)).toBe('from keyspace')
    expect(configured.calls()).toBe(1)
  })

  it('a value the owner has is served without a load, and kept as a near copy', async () => {
    const net = mesh()
    const a = net.peer('a')
    await a.ops.readThrough.getOrLoad(KS, 'k', countingLoader('v').load, undefined)
    net.calls.clear()
    const d = net.peer('d')
    const result = await d.ops.readThrough.getOrLoad(KS, 'k', undefined, undefined)
    expect([decoded(result.entry?.value), result.loaded]).toEqual(['v', false])
    expect(net.calls.tally()).toEqual({ 'LEASE d→b': 1 })
    net.calls.clear()
    await d.ops.readThrough.getOrLoad(KS, 'k', undefined, undefined)
    expect(net.calls.count()).toBe(0) // the near copy answered
  })

  it('an unreachable first owner falls over to the next owner', async () => {
    const net = mesh()
    net.kill('b')
    const loader = countingLoader('v')
    const result = await net.peer('a').ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined)
    expect([decoded(result.entry?.value), result.loaded]).toEqual(['v', true])
    expect(net.calls.tally()).toEqual({ 'LEASE a→b': 1, 'LEASE a→c': 1, 'FILL a→c': 1, 'SET c→b': 1, 'SET c→c': 1 })
    expect(decoded(net.peer('c').components.store.peek(KS, 'k')?.value)).toBe('v')
  })

  it('every owner unreachable rejects ERR_UNAVAILABLE without loading', async () => {
    const net = mesh()
    net.kill('b')
    net.kill('c')
    const loader = countingLoader('v')
    await expect(net.peer('a').ops.readThrough.getOrLoad(KS, 'k', loader.load, undefined)).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect(loader.calls()).toBe(0)
  })
})
