/**
 * SetOperation: the requester's write to every owner, and the owner's
 * versioned apply, with the forward to its own owners when the writer
 * chose them from another view.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes } from '../../../src/errors.js'
import { Op } from '../../../src/protocol/frame.js'
import { EMPTY, FakeNetwork, byte, held, put } from './fakes.js'
import type { Entry, Frame } from '../../../src/protocol/frame.js'

const KS = 'ks'

function mesh (): FakeNetwork {
  return new FakeNetwork(['a', 'b', 'c', 'd'], { owners: ['b', 'c'] })
}

const wire = (key: string, value: number, version: bigint): Entry => ({ keyspace: KS, key, value: byte(value), version, expiresAt: 0n, staleAt: 0n })
const setFrame = (view: string, entries: Entry[], forwarded = false): Frame => ({ ...EMPTY, op: Op.SET, view, entries, forwarded })

afterEach(() => {
  vi.useRealTimers()
})

describe('SetOperation.write (requester)', () => {
  it('reaches every owner with one version from the clock, and the writer\'s view id', async () => {
    const net = mesh()
    for (const peer of net.peers.values()) peer.view.id = 'view-2'
    const a = net.peer('a')
    await a.ops.set.write(KS, [{ key: 'k1', value: byte(1), expiresAt: 0 }, { key: 'k2', value: byte(2), expiresAt: 0 }])
    const stamp = BigInt(net.clock.now) << 16n // the hybrid clock's first stamps at this millisecond
    for (const owner of ['b', 'c']) {
      const store = net.peer(owner).components.store
      expect([store.peek(KS, 'k1')?.version, store.peek(KS, 'k2')?.version]).toEqual([stamp, stamp + 1n])
      expect([held(net.peer(owner), KS, 'k1'), held(net.peer(owner), KS, 'k2')]).toEqual([1, 2])
    }
    expect(held(net.peer('d'), KS, 'k1')).toBeUndefined()
    // The owners share the writer's view: neither forwards.
    expect(net.calls.where({ op: Op.SET }).map(r => [r.to, r.view, r.forwarded])).toEqual([['b', 'view-2', false], ['c', 'view-2', false]])
    expect(a.components.counters.sets).toBe(2)
    // The next write is newer, in the same millisecond too.
    await a.ops.set.write(KS, [{ key: 'k1', value: byte(3), expiresAt: 0 }])
    expect(net.peer('b').components.store.peek(KS, 'k1')?.version).toBe(stamp + 2n)
  })

  it('a writer that does not own the key keeps a near copy of what it wrote', async () => {
    const net = mesh()
    const a = net.peer('a')
    await a.ops.set.write(KS, [{ key: 'k', value: byte(9), expiresAt: net.clock.now + 60_000 }])
    const copy = a.components.near.get(KS, 'k')
    expect(copy).toMatchObject({ owner: 'b', expiresAt: net.clock.now + 60_000, fetchedAt: net.clock.now })
    expect(copy?.value[0]).toBe(9)
    expect(held(a, KS, 'k')).toBeUndefined()
  })

  it('an owner writes to its own store in place and keeps no near copy', async () => {
    const net = mesh()
    net.own(['a', 'b'])
    const a = net.peer('a')
    await a.ops.set.write(KS, [{ key: 'k', value: byte(9), expiresAt: 0 }])
    expect([held(a, KS, 'k'), held(net.peer('b'), KS, 'k')]).toEqual([9, 9])
    expect(a.components.near.size).toBe(0)
    expect(net.calls.tally()).toEqual({ 'SET a→a': 1, 'SET a→b': 1 })
  })

  it('rejects ERR_UNAVAILABLE when no owner of a key takes it', async () => {
    const net = mesh()
    net.kill('b')
    net.kill('c')
    await expect(net.peer('a').ops.set.write(KS, [{ key: 'k', value: byte(1), expiresAt: 0 }])).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect(net.peer('a').components.counters.sets).toBe(0)
  })
})

describe('SetOperation.writeOne (requester, one key)', () => {
  it('one SET per owner with the writer\'s view id, and a near copy for a writer that does not own the key', async () => {
    const net = mesh()
    const a = net.peer('a')
    await a.ops.set.writeOne(KS, { key: 'k', value: byte(4), expiresAt: 0 })
    expect([held(net.peer('b'), KS, 'k'), held(net.peer('c'), KS, 'k')]).toEqual([4, 4])
    expect(net.calls.where({ op: Op.SET }).map(r => [r.to, r.view, r.entries.map(e => e.key)])).toEqual([['b', 'view-1', ['k']], ['c', 'view-1', ['k']]])
    expect(a.components.near.get(KS, 'k')?.value[0]).toBe(4)
    expect(a.components.counters.sets).toBe(1)
  })

  it('single-key writes of one turn share a frame per owner', async () => {
    const net = new FakeNetwork(['a', 'b', 'c'], { owners: ['b', 'c'], batching: true })
    const a = net.peer('a')
    await Promise.all(['k1', 'k2', 'k3'].map(async (key, i) => a.ops.set.writeOne(KS, { key, value: byte(i), expiresAt: 0 })))
    expect(net.frames.tally()).toEqual({ 'SET a→b': 1, 'SET a→c': 1 })
    expect(['k1', 'k2', 'k3'].map(k => held(net.peer('c'), KS, k))).toEqual([0, 1, 2])
  })

  it('an owner that fails sends the write through the fan-out: the other owner has it, and the view is unsettled', async () => {
    const net = mesh()
    net.kill('c')
    const a = net.peer('a')
    a.view.settled = true
    a.view.members.add('c') // a has not noticed yet: the fan-out tries it again
    vi.useFakeTimers()
    const done = a.ops.set.writeOne(KS, { key: 'k', value: byte(5), expiresAt: 0 })
    await vi.runAllTimersAsync()
    await done
    expect(held(net.peer('b'), KS, 'k')).toBe(5)
    expect(net.calls.count({ op: Op.SET, to: 'c' })).toBe(1 + 3) // the single write, then the fan-out's three tries
    expect(a.view.stable()).toBe(false)
  })

  it('rejects ERR_UNAVAILABLE when no owner takes it, or when the mesh has no owner', async () => {
    const net = mesh()
    net.kill('b')
    net.kill('c')
    await expect(net.peer('a').ops.set.writeOne(KS, { key: 'k', value: byte(1), expiresAt: 0 })).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    net.own([])
    await expect(net.peer('a').ops.set.writeOne(KS, { key: 'k', value: byte(1), expiresAt: 0 })).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect(net.peer('a').components.counters.sets).toBe(0)
  })
})

describe('SetOperation.handle (owner)', () => {
  it('applies newer entries, refuses older ones (found false), and announces only what it applied', async () => {
    const net = mesh()
    const b = net.peer('b')
    put(b, KS, 'k', 2, 20n)
    b.components.near.set(KS, 'j', { value: byte(0), version: 1n, expiresAt: 0, owner: 'c', fetchedAt: net.clock.now })
    const reply = await b.ops.set.handle(setFrame(b.view.id, [wire('k', 1, 10n), wire('j', 5, 5n), wire('k', 3, 20n)]))
    expect(reply.found).toEqual([false, true, false]) // the same version is not newer either
    expect([held(b, KS, 'k'), held(b, KS, 'j')]).toEqual([2, 5])
    expect(b.announcer.items).toEqual([{ keyspace: KS, key: 'j', version: 5n }])
    expect(b.components.near.get(KS, 'j')).toBeUndefined() // its own older copy went too
    expect(net.calls.count()).toBe(0) // same view: nothing forwarded
  })

  it('a write chosen from another view goes on, forwarded, to the owners in this peer\'s view but itself', async () => {
    const net = mesh()
    const b = net.peer('b')
    b.view.id = 'view-b'
    b.view.own(['b', 'c', 'd'])
    const reply = await b.ops.set.handle(setFrame('view-a', [wire('k', 1, 10n)]))
    expect(reply.found).toEqual([true])
    expect(net.calls.tally()).toEqual({ 'SET b→c (forwarded)': 1, 'SET b→d (forwarded)': 1 })
    expect([held(net.peer('c'), KS, 'k'), held(net.peer('d'), KS, 'k')]).toEqual([1, 1])
    // The receivers do not send it on again, whatever their view.
    expect(net.calls.count({ from: 'c' }) + net.calls.count({ from: 'd' })).toBe(0)
  })

  it('forwards even what it refused (another owner may lack it), but not a frame already forwarded', async () => {
    const net = mesh()
    const b = net.peer('b')
    b.view.id = 'view-b'
    put(b, KS, 'k', 2, 20n)
    expect((await b.ops.set.handle(setFrame('view-a', [wire('k', 1, 10n)]))).found).toEqual([false])
    expect(net.calls.tally()).toEqual({ 'SET b→c (forwarded)': 1 })
    net.calls.clear()
    await b.ops.set.handle(setFrame('view-a', [wire('j', 1, 10n)], true))
    expect(net.calls.count()).toBe(0)
  })

  it('a stray (not owned here) whose forward fails makes handle() reject; it is kept here meanwhile', async () => {
    const net = mesh()
    const b = net.peer('b')
    b.view.id = 'view-b'
    b.view.own(['c', 'd'], 'stray')
    net.kill('c')
    net.kill('d')
    await expect(b.ops.set.handle(setFrame('view-a', [wire('stray', 1, 10n)]))).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE })
    expect(held(b, KS, 'stray')).toBe(1)
  })

  it('an owned entry whose forward fails still resolves', async () => {
    const net = mesh()
    const b = net.peer('b')
    b.view.id = 'view-b'
    net.kill('c')
    expect((await b.ops.set.handle(setFrame('view-a', [wire('owned', 1, 10n)]))).found).toEqual([true])
    expect(net.calls.tally()).toEqual({ 'SET b→c (forwarded)': 1 })
  })

  it('a frame with both: the owned part may fail, the stray part may not', async () => {
    const net = mesh()
    const b = net.peer('b')
    b.view.id = 'view-b'
    b.view.own(['d'], 'stray')
    net.kill('c')
    expect((await b.ops.set.handle(setFrame('view-a', [wire('owned', 1, 10n), wire('stray', 2, 10n)]))).found).toEqual([true, true])
    expect(held(net.peer('d'), KS, 'stray')).toBe(2)
    net.kill('d')
    await expect(b.ops.set.handle(setFrame('view-a', [wire('owned', 3, 20n), wire('stray', 4, 20n)]))).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE })
  })
})
