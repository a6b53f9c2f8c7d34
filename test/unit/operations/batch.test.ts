/**
 * Batches: GETs and SETs to one peer made in one event-loop turn leave as one
 * frame, and each caller gets its own slice of the answer. Also inParts, the
 * way a GET is asked on when its answer stopped short.
 */
import { describe, expect, it } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { Batches, MAX_COALESCED_BYTES, MAX_COALESCED_ITEMS, inParts } from '../../../src/operations/batch.js'
import { Op } from '../../../src/protocol/frame.js'
import { turns } from '../fakes.js'
import { EMPTY, byte } from './fakes.js'
import type { Entry, Frame } from '../../../src/protocol/frame.js'

const MAX_BATCH_ITEMS = MAX_COALESCED_ITEMS
const MAX_BATCH_BYTES = MAX_COALESCED_BYTES

const entry = (keyspace: string, key: string, value: Uint8Array = byte(1)): Entry => ({ keyspace, key, value, version: 1n, expiresAt: 0n, staleAt: 0n })

/**
 * Batches over a fake peer that holds `held` (keys of any keyspace) and
 * answers a GET with those it holds, a SET with found = its entries' keys
 * it was told to refuse. Records every frame sent.
 */
function batchesTo (held: string[] = [], init: { refuse?: string[], fail?: Error, limit?: number } = {}): { batches: Batches, sent: Array<{ peer: string, frame: Partial<Frame> }> } {
  const sent: Array<{ peer: string, frame: Partial<Frame> }> = []
  const batches = new Batches(async (peer, frame) => {
    sent.push({ peer, frame })
    if (init.fail != null) throw init.fail
    if (frame.op === Op.GET) {
      const keys = (frame.keys ?? []).slice(0, init.limit)
      return { ...EMPTY, entries: keys.filter(k => held.includes(k)).map(k => entry(frame.keyspace ?? '', k)), found: keys.map(k => held.includes(k)) }
    }
    return { ...EMPTY, found: (frame.entries ?? []).map(e => !(init.refuse ?? []).includes(e.key)) }
  })
  return { batches, sent }
}

const get = (keyspace: string, keys: string[]): Partial<Frame> => ({ op: Op.GET, keyspace, keys })
const set = (entries: Entry[], view = 'v1'): Partial<Frame> => ({ op: Op.SET, entries, view })

describe('Batches', () => {
  it('GETs to one peer in the same turn leave as one frame; each caller gets its keys\' entries and found', async () => {
    const { batches, sent } = batchesTo(['k1', 'k3', 'k4'])
    const one = batches.request('b', get('ks', ['k1', 'k2']))
    const two = batches.request('b', get('ks', ['k3', 'k4']))
    expect(sent).toHaveLength(0) // nothing leaves before the turn ends
    await turns()
    expect(sent.map(s => [s.peer, s.frame.op, s.frame.keyspace, s.frame.keys])).toEqual([['b', Op.GET, 'ks', ['k1', 'k2', 'k3', 'k4']]])
    const [a, b] = await Promise.all([one, two])
    expect([a.entries.map(e => e.key), a.found]).toEqual([['k1'], [true, false]])
    expect([b.entries.map(e => e.key), b.found]).toEqual([['k3', 'k4'], [true, true]])
  })

  it('SETs likewise: one frame with every entry, found sliced per caller', async () => {
    const { batches, sent } = batchesTo([], { refuse: ['y'] })
    const one = batches.request('b', set([entry('ks', 'x'), entry('ks', 'y')]))
    const two = batches.request('b', set([entry('ks', 'z')]))
    await turns()
    expect(sent.map(s => [s.frame.op, s.frame.view, s.frame.entries?.map(e => e.key)])).toEqual([[Op.SET, 'v1', ['x', 'y', 'z']]])
    expect((await one).found).toEqual([true, false])
    expect((await two).found).toEqual([true])
  })

  it('different peers, ops, keyspaces (GET) or views (SET) are different batches', async () => {
    const { batches, sent } = batchesTo(['k'])
    const all = [
      batches.request('b', get('ks1', ['k'])),
      batches.request('b', get('ks2', ['k'])),
      batches.request('c', get('ks1', ['k'])),
      batches.request('b', set([entry('ks1', 'k')], 'v1')),
      batches.request('b', set([entry('ks1', 'k')], 'v2'))
    ]
    await turns()
    await Promise.all(all)
    expect(sent.map(s => [s.peer, s.frame.op, s.frame.op === Op.GET ? s.frame.keyspace : s.frame.view])).toEqual([
      ['b', Op.GET, 'ks1'], ['b', Op.GET, 'ks2'], ['c', Op.GET, 'ks1'], ['b', Op.SET, 'v1'], ['b', Op.SET, 'v2']
    ])
  })

  it('SETs of different keyspaces share a batch: each entry names its keyspace', async () => {
    const { batches, sent } = batchesTo()
    const all = [batches.request('b', set([entry('ks1', 'k')])), batches.request('b', set([entry('ks2', 'k')]))]
    await turns()
    await Promise.all(all)
    expect(sent.map(s => s.frame.entries?.map(e => e.keyspace))).toEqual([['ks1', 'ks2']])
  })

  it('a batch leaves at once when it reaches MAX_BATCH_ITEMS (32); the next caller starts a new one', async () => {
    const { batches, sent } = batchesTo()
    const keys = (from: number, n: number): string[] => Array.from({ length: n }, (_v, i) => `k${from + i}`)
    const first = batches.request('b', get('ks', keys(0, MAX_BATCH_ITEMS - 2)))
    batches.request('b', get('ks', keys(MAX_BATCH_ITEMS - 2, 1))).catch(() => {})
    expect(sent).toHaveLength(0) // one short: still open
    const full = batches.request('b', get('ks', keys(MAX_BATCH_ITEMS - 1, 1)))
    expect(sent).toHaveLength(1)
    expect(sent[0].frame.keys).toHaveLength(MAX_BATCH_ITEMS)
    const later = batches.request('b', get('ks', ['late']))
    expect(sent).toHaveLength(1)
    await turns()
    expect(sent.map(s => s.frame.keys?.length)).toEqual([MAX_BATCH_ITEMS, 1])
    expect((await first).found).toHaveLength(MAX_BATCH_ITEMS - 2)
    expect((await full).found).toEqual([false])
    expect((await later).found).toEqual([false])
  })

  it('a batch leaves at once when it reaches 256 KiB', async () => {
    const { batches, sent } = batchesTo()
    const half = new Uint8Array(MAX_BATCH_BYTES / 2)
    const one = batches.request('b', set([entry('ks', 'a', half)]))
    expect(sent).toHaveLength(0)
    const two = batches.request('b', set([entry('ks', 'b', half)]))
    expect(sent).toHaveLength(1) // 256 KiB of values plus the keys
    expect([(await one).found, (await two).found]).toEqual([[true], [true]])
    // GET keys count three bytes a character.
    const key = 'x'.repeat(Math.ceil(MAX_BATCH_BYTES / 3))
    const got = batches.request('b', get('ks', [key]))
    expect(sent).toHaveLength(2)
    await got
  })

  it('a failed send rejects every waiter of the batch with its error', async () => {
    const failure = new MeshCacheError(ErrorCodes.UNAVAILABLE, 'b is gone')
    const { batches, sent } = batchesTo([], { fail: failure })
    const outcomes = Promise.all([
      batches.request('b', get('ks', ['k1'])).catch((err: unknown) => err),
      batches.request('b', get('ks', ['k2'])).catch((err: unknown) => err)
    ])
    await turns()
    expect(await outcomes).toEqual([failure, failure])
    expect(sent).toHaveLength(1)
  })

  it('a GET answered in parts is asked on, and every caller still gets all of its keys', async () => {
    const { batches, sent } = batchesTo(['k1', 'k2', 'k3', 'k4'], { limit: 3 })
    const one = batches.request('b', get('ks', ['k1', 'k2']))
    const two = batches.request('b', get('ks', ['k3', 'k4']))
    await turns()
    expect((await two).entries.map(e => e.key)).toEqual(['k3', 'k4'])
    expect((await two).found).toEqual([true, true])
    expect((await one).found).toEqual([true, true])
    expect(sent.map(s => s.frame.keys)).toEqual([['k1', 'k2', 'k3', 'k4'], ['k4']])
  })

  it('batches GETs with keys and SETs with entries, never a forwarded SET or other ops', () => {
    expect(Batches.batches(get('ks', ['k']))).toBe(true)
    expect(Batches.batches(set([entry('ks', 'k')]))).toBe(true)
    expect(Batches.batches({ ...set([entry('ks', 'k')]), forwarded: true })).toBe(false)
    expect(Batches.batches({ op: Op.GET, keyspace: 'ks' })).toBe(false)
    expect(Batches.batches({ op: Op.DELETE, keyspace: 'ks', keys: ['k'] })).toBe(false)
    expect(Batches.batches({ op: Op.LEASE, keyspace: 'ks', keys: ['k'] })).toBe(false)
  })
})

describe('inParts', () => {
  it('asks on from found.length until every key is answered, and joins the parts', async () => {
    const asked: string[][] = []
    const reply = await inParts(['a', 'b', 'c', 'd', 'e'], async keys => {
      asked.push(keys)
      const part = keys.slice(0, 2)
      return { ...EMPTY, entries: part.map(k => entry('ks', k)), found: part.map(() => true) }
    })
    expect(asked).toEqual([['a', 'b', 'c', 'd', 'e'], ['c', 'd', 'e'], ['e']])
    expect(reply.entries.map(e => e.key)).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(reply.found).toEqual([true, true, true, true, true])
  })

  it('stops when an answer makes no progress, keeping what came before', async () => {
    const asked: string[][] = []
    const reply = await inParts(['a', 'b', 'c'], async keys => {
      asked.push(keys)
      const part = asked.length === 1 ? keys.slice(0, 1) : []
      return { ...EMPTY, entries: part.map(k => entry('ks', k)), found: part.map(() => true) }
    })
    expect(asked).toEqual([['a', 'b', 'c'], ['b', 'c']])
    expect(reply.found).toEqual([true])
    expect(reply.entries.map(e => e.key)).toEqual(['a'])
  })

  it('a full first answer is not asked again', async () => {
    let asks = 0
    await inParts(['a'], async () => { asks++; return { ...EMPTY, found: [false] } })
    expect(asks).toBe(1)
  })
})
