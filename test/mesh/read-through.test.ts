import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startCluster } from '../helpers/cluster.js'
import type { Cluster } from '../helpers/cluster.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('read-through extras', () => {
  let cluster: Cluster

  beforeAll(async () => { cluster = await startCluster(3) })
  afterAll(async () => { await cluster?.stop() })

  it('missTtlMs caches a miss: the loader is not asked again until it expires', async () => {
    // Long enough for the reads below on a loaded machine (400 ms was not, in a CI run).
    const spaces = cluster.peers.map(p => p.keyspace('neg', { missTtlMs: 3_000 }))
    let calls = 0
    const loader = async (): Promise<undefined> => { calls++ }
    expect(await spaces[0].getOrLoad('ghost', loader)).toBeUndefined()
    expect(await spaces[1].getOrLoad('ghost', loader)).toBeUndefined()
    expect(await spaces[2].getOrLoad('ghost', loader)).toBeUndefined()
    expect(calls).toBe(1)
    expect(await spaces[1].get('ghost')).toBeUndefined()
    expect(await spaces[2].has('ghost')).toBe(false)
    expect(await spaces[0].ttl('ghost')).toBeUndefined()
    await sleep(3_100)
    expect(await spaces[2].getOrLoad('ghost', loader)).toBeUndefined()
    expect(calls).toBe(2)
  })

  it('without missTtlMs a miss is not cached', async () => {
    let calls = 0
    const loader = async (): Promise<undefined> => { calls++ }
    await cluster.peers[0].getOrLoad('nothing', loader)
    await cluster.peers[1].getOrLoad('nothing', loader)
    expect(calls).toBe(2)
  })

  it('staleMs serves a value past its TTL while one asker refreshes it', async () => {
    // A TTL long enough that the refreshed value is still fresh for the reads
    // after it on a loaded machine (200 ms and 1 s were not, in CI runs).
    const spaces = cluster.peers.map(p => p.keyspace('swr', { ttlMs: 3_000, staleMs: 10_000 }))
    let version = 0
    let calls = 0
    const loader = async (): Promise<string> => { calls++; await sleep(100); return `v${++version}` }
    expect(await spaces[0].getOrLoad('report', loader)).toBe('v1')
    await sleep(3_100) // past the TTL, within staleMs
    expect(await spaces[1].get('report')).toBeUndefined() // plain reads do not serve stale values
    const served = await Promise.all(spaces.map(async s => s.getOrLoad('report', loader)))
    expect(served).toEqual(['v1', 'v1', 'v1']) // answered at once, stale
    await eventually(async () => { expect(await spaces[2].getOrLoad('report', loader)).toBe('v2') })
    expect(calls).toBe(2) // one refresh mesh-wide
    expect(await spaces[1].get('report')).toBe('v2')
    expect(await spaces[1].ttl('report')).toBeLessThanOrEqual(3_000)
  })

  it('counts the call that ran the loader as a miss and later answers as hits', async () => {
    const peer = cluster.peers[1]
    const before = await peer.status()
    expect(await peer.getOrLoad('counted', async () => 'v')).toBe('v')
    const loaded = await peer.status()
    expect([loaded.misses - before.misses, loaded.hits - before.hits, loaded.loads - before.loads]).toEqual([1, 0, 1])
    expect(await peer.getOrLoad('counted', async () => 'never')).toBe('v')
    const again = await peer.status()
    expect([again.misses - loaded.misses, again.hits - loaded.hits, again.loads - loaded.loads]).toEqual([0, 1, 0])
  })

  it('rejects bad read-through options', () => {
    expect(() => cluster.peers[0].keyspace('bad', { missTtlMs: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TTL' }))
    expect(() => cluster.peers[0].keyspace('bad', { staleMs: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TTL' }))
    expect(() => cluster.peers[0].keyspace('bad', { load: 'nope' as any })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
  })
})

describe('a write made while a loader runs', () => {
  let cluster: Cluster
  beforeAll(async () => { cluster = await startCluster(3) })
  afterAll(async () => { await cluster?.stop() })

  it('wins over the loaded value: a delete during the load is not undone by the fill', async () => {
    const [a, b] = cluster.peers
    const loading = a.getOrLoad('racy', async () => { await sleep(300); return 'old from the database' })
    await sleep(100)
    await b.set('racy', 'new')
    await b.delete('racy')
    // The asker still gets what its loader produced…
    expect(await loading).toBe('old from the database')
    // …but the mesh keeps the newer delete.
    await eventually(async () => { expect(await cluster.peers[2].get('racy')).toBeUndefined() })
    await sleep(100)
    for (const peer of cluster.peers) expect(await peer.has('racy')).toBe(false)
  })
})
