/**
 * Reads in a stable view (DESIGN.md "Ownership"): one owner is asked, and its
 * miss is final — one request for a hit and for a miss. Every owner is asked
 * again only when that owner fails (which unsettles the view) or when the
 * reader's own copy is stale. Each case counts the requests it made.
 */
import { describe, expect, it } from 'vitest'
import { Op } from '../../../src/protocol/frame.js'
import { EMPTY, FakeNetwork, put } from './fakes.js'
import type { StoredEntry } from '../../../src/store/index.js'

const KS = 'ks'

/** a reads; b (primary) and c own every key; d is next in line; every view is stable. */
function stableMesh (init: { batching?: boolean } = {}): FakeNetwork {
  const net = new FakeNetwork(['a', 'b', 'c', 'd'], { owners: ['b', 'c'], successors: ['b', 'c', 'd'], ...init })
  for (const id of ['a', 'b', 'c', 'd']) net.peer(id).view.settled = true
  return net
}

const first = (entry: StoredEntry | undefined): number | undefined => entry?.value[0]

describe('GetOperation in a stable view', () => {
  it('a hit costs one request, to the primary owner', async () => {
    const net = stableMesh()
    put(net.peer('b'), KS, 'k', 1, 10n)
    put(net.peer('c'), KS, 'k', 1, 10n)
    const a = net.peer('a')
    expect(first(await a.ops.get.fetch(KS, 'k', undefined))).toBe(1)
    expect((await a.ops.get.entries(KS, ['k2', 'k'])).map(first)).toEqual([undefined, 1])
    expect(net.calls.tally()).toEqual({ 'GET a→b': 2 })
  })

  it('a miss costs one request: the primary\'s miss is final, no other owner or successor is asked', async () => {
    const net = stableMesh()
    // Only the successor has it: in a stable view it is not looked for there.
    put(net.peer('d'), KS, 'k', 1, 10n)
    const a = net.peer('a')
    expect(await a.ops.get.fetch(KS, 'k', undefined)).toBeUndefined()
    expect(net.calls.tally()).toEqual({ 'GET a→b': 1 })
  })

  it('an owner\'s own miss is final without a request', async () => {
    const net = stableMesh()
    net.own(['a', 'b'])
    put(net.peer('b'), KS, 'k', 1, 10n)
    const a = net.peer('a')
    expect(await a.ops.get.fetch(KS, 'k', undefined)).toBeUndefined()
    expect((await a.ops.get.entries(KS, ['k'])).map(first)).toEqual([undefined])
    expect(net.calls.count()).toBe(0)
  })

  it('a primary that fails sends the read to every owner, and the view settles again from there', async () => {
    const net = stableMesh()
    put(net.peer('c'), KS, 'k', 3, 10n)
    net.kill('b')
    net.peer('a').view.members.add('b') // a has not noticed yet
    const a = net.peer('a')
    expect(first(await a.ops.get.fetch(KS, 'k', undefined))).toBe(3)
    expect(net.calls.tally()).toEqual({ 'GET a→b': 2, 'GET a→c': 1 })
    expect(a.view.disturbances).toBe(1)
    expect(a.view.stable()).toBe(false)
  })

  it('a primary whose own view is settling says its miss is not final: the read asks every owner', async () => {
    const net = stableMesh()
    put(net.peer('c'), KS, 'k', 3, 10n) // b has not been handed the key yet
    net.peer('b').view.settled = false
    const a = net.peer('a')
    expect(first(await a.ops.get.fetch(KS, 'k', undefined))).toBe(3)
    expect((await a.ops.get.entries(KS, ['k'])).map(first)).toEqual([3])
    expect(a.view.stable()).toBe(true) // the reader's view stays as it was
  })

  it('a primary that does not own the key in its own view (it has not heard of a death yet) says so too', async () => {
    const net = stableMesh()
    put(net.peer('c'), KS, 'k', 3, 10n)
    net.peer('b').view.own(['c', 'd'], 'k')
    const a = net.peer('a')
    expect(first(await a.ops.get.fetch(KS, 'k', undefined))).toBe(3)
    expect(net.calls.count({ op: Op.GET, from: 'a', to: 'c' })).toBe(1)
  })

  it('the owner\'s answer says settling exactly when its view is, or a missed key is not its own', async () => {
    const net = stableMesh()
    put(net.peer('b'), KS, 'hit', 1, 10n)
    const b = net.peer('b')
    const ask = async (keys: string[]): Promise<boolean | undefined> => (await b.ops.get.handle({ ...EMPTY, op: Op.GET, keyspace: KS, keys })).settling
    expect(await ask(['hit', 'absent'])).toBe(false)
    b.view.own(['c', 'd'], 'elsewhere')
    expect(await ask(['hit', 'elsewhere'])).toBe(true)
    b.view.own(['c', 'd'], 'hit')
    expect(await ask(['hit'])).toBe(false) // a hit is an answer, whoever owns the key
    b.view.settled = false
    expect(await ask(['hit'])).toBe(true)
  })

  it('a stale copy of its own asks every owner even in a stable view', async () => {
    const net = stableMesh()
    net.own(['a', 'b'])
    const a = net.peer('a')
    a.components.store.apply(KS, 'k', { value: Uint8Array.of(1), version: 10n, expiresAt: net.clock.now + 2_000, staleAt: net.clock.now - 1 })
    put(net.peer('b'), KS, 'k', 2, 20n)
    expect((await a.ops.get.entries(KS, ['k'])).map(first)).toEqual([2])
    expect(net.calls.tally()).toEqual({ 'GET a→a': 1, 'GET a→b': 1 })
  })

  it('single-key reads of one turn share a frame to their primary', async () => {
    const net = stableMesh({ batching: true })
    put(net.peer('b'), KS, 'k1', 1, 10n)
    put(net.peer('b'), KS, 'k2', 2, 10n)
    const a = net.peer('a')
    const read = await Promise.all(['k1', 'k2', 'k3', 'k1'].map(async key => a.ops.get.fetch(KS, key, undefined)))
    expect(read.map(first)).toEqual([1, 2, undefined, 1])
    expect(net.frames.tally()).toEqual({ 'GET a→b': 1 })
    expect(net.frames.where({ op: Op.GET })[0].keys).toEqual(['k1', 'k2', 'k3', 'k1'])
  })
})
