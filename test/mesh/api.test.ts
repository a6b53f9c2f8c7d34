import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startCluster, waitFor } from '../helpers/cluster.js'
import type { Cluster } from '../helpers/cluster.js'
import type { MeshCache } from '../../node/index.js'

describe('five peers in one process, public API only', () => {
  let cluster: Cluster
  let peers: MeshCache[]

  beforeAll(async () => {
    cluster = await startCluster(5, { replicas: 2, leaseTimeoutMs: 400 })
    peers = cluster.peers
  })
  afterAll(async () => { await cluster?.stop() })

  it('a value set on one peer is read, exactly, on every other', async () => {
    const value = { name: 'Ada', tags: ['x', 'y'], nested: { n: 1.5, ok: true, none: null }, unicode: 'héllo ✓' }
    await peers[0].set('user:1', value)
    for (const peer of peers) expect(await peer.get('user:1')).toEqual(value)
    const bytes = new Uint8Array([0, 1, 2, 255])
    await peers[1].set('blob', bytes)
    const read = await peers[3].get('blob')
    expect(read).toBeInstanceOf(Uint8Array)
    expect(Array.from(read as Uint8Array)).toEqual([0, 1, 2, 255])
  })

  it('every peer names the same owners, and the owners hold the key', async () => {
    await peers[2].set('owned', 1)
    const owners = peers[0].ownersOf('owned')
    expect(owners).toHaveLength(2)
    for (const peer of peers) expect(peer.ownersOf('owned')).toEqual(owners)
    for (const peer of peers) {
      expect(peer.localKeys().includes('owned')).toBe(owners.includes(peer.peerId))
    }
  })

  it('has, ttl, expire and delete work from any peer', async () => {
    await peers[0].set('temp', 'v', { ttlMs: 60_000 })
    expect(await peers[1].has('temp')).toBe(true)
    const ttl = await peers[2].ttl('temp')
    expect(ttl).toBeGreaterThan(55_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
    await peers[0].set('forever', 'v')
    expect(await peers[4].ttl('forever')).toBe(-1)
    expect(await peers[4].ttl('never-set')).toBeUndefined()
    expect(await peers[3].expire('forever', 120_000)).toBe(true)
    expect(await peers[1].ttl('forever')).toBeGreaterThan(115_000)
    expect(await peers[3].expire('never-set', 1_000)).toBe(false)
    expect(await peers[4].delete('temp')).toBe(true)
    expect(await peers[4].delete('temp')).toBe(false)
    for (const peer of peers) await eventually(async () => { expect(await peer.has('temp')).toBe(false) })
  })

  it('a short TTL expires mesh-wide', async () => {
    // Long enough that the first read comes before it on a loaded machine.
    await peers[0].set('short', 'gone soon', { ttlMs: 2_000 })
    expect(await peers[1].get('short')).toBe('gone soon')
    await new Promise(resolve => setTimeout(resolve, 2_100))
    for (const peer of peers) expect(await peer.get('short')).toBeUndefined()
  })

  it('batches: setMany, getMany, deleteMany across owners', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `batch:${i}`)
    await peers[1].setMany(keys.map((key, i) => [key, i]))
    expect(await peers[2].getMany(keys)).toEqual(keys.map((_, i) => i))
    await peers[3].setMany([{ key: 'batch:obj', value: 'x', ttlMs: 60_000 }])
    expect(await peers[0].get('batch:obj')).toBe('x')
    expect(await peers[4].deleteMany([...keys.slice(0, 100), 'batch:missing'])).toBe(100)
    const after = await peers[0].getMany(keys)
    expect(after.slice(0, 100).every(v => v === undefined)).toBe(true)
    expect(after.slice(100)).toEqual(keys.slice(100).map((_, i) => i + 100))
  })

  it('a write on one peer invalidates near copies on the others', async () => {
    await peers[0].set('hot', 1)
    const readers = peers.filter(p => !p.ownersOf('hot').includes(p.peerId))
    for (const reader of readers) expect(await reader.get('hot')).toBe(1) // now a near copy
    const seen = new Set<string>()
    for (const reader of readers) {
      reader.addEventListener('invalidate', (evt) => {
        if ((evt as CustomEvent).detail.key === 'hot') seen.add(reader.peerId)
      })
    }
    await peers[0].set('hot', 2)
    await waitFor(() => seen.size === readers.length, 5_000, 'invalidations to reach every reader')
    for (const reader of readers) expect(await reader.get('hot')).toBe(2)
    const before = (await readers[0].status()).near.hits
    await readers[0].get('hot')
    expect((await readers[0].status()).near.hits).toBe(before + 1)
  })

  it('keyspaces: scoped keys, TTL default, byte budget, list and drop', async () => {
    const users = peers[0].keyspace('users', { ttlMs: 60_000 })
    const usersElsewhere = peers[1].keyspace('users')
    await users.set('a', 'from users')
    await peers[0].set('a', 'from default')
    expect(await usersElsewhere.get('a')).toBe('from users')
    expect(await peers[2].get('a')).toBe('from default')
    expect(await usersElsewhere.ttl('a')).toBeGreaterThan(55_000)
    expect(await peers[3].keyspaces()).toEqual(expect.arrayContaining(['default', 'users']))

    // A budget of ~1 KiB on every peer keeps only a few 200-byte entries per owner.
    const small = peers.map(p => p.keyspace('small', { maxBytes: 1_024 }))
    for (let i = 0; i < 40; i++) await small[0].set(`k${i}`, 'x'.repeat(200))
    const present = (await small[1].getMany(Array.from({ length: 40 }, (_, i) => `k${i}`))).filter(v => v !== undefined)
    expect(present.length).toBeGreaterThan(0)
    expect(present.length).toBeLessThan(40)
    const status = await peers[2].status()
    expect(status.keyspaces.small.bytes).toBeLessThanOrEqual(1_024)

    expect(await peers[4].dropKeyspace('users')).toBe(5)
    expect(await usersElsewhere.get('a')).toBeUndefined()
    expect(await peers[0].keyspaces()).not.toContain('users')
    expect(await peers[2].get('a')).toBe('from default')
  })

  it('getOrLoad runs one load mesh-wide for many concurrent askers', async () => {
    let loads = 0
    const loader = async (key: string): Promise<string> => {
      loads++
      await new Promise(resolve => setTimeout(resolve, 100))
      return `loaded ${key}`
    }
    const asks = Array.from({ length: 100 }, (_, i) => peers[i % peers.length].getOrLoad('slow', loader))
    const values = await Promise.all(asks)
    expect(new Set(values)).toEqual(new Set(['loaded slow']))
    expect(loads).toBe(1)
    expect(await peers[3].get('slow')).toBe('loaded slow')
    // The one call that ran the loader counts as a miss, the 99 others as hits.
    const statuses = await Promise.all(peers.map(async p => p.status()))
    expect(statuses.reduce((n, s) => n + s.loads, 0)).toBe(1)
  })

  it("getOrLoad uses the keyspace's load, and a loader that throws rejects every asker", async () => {
    const spaces = peers.map(p => p.keyspace('loaded', { load: async (key) => `ks ${key}` }))
    expect(await spaces[2].getOrLoad('k')).toBe('ks k')
    let calls = 0
    const failing = async (): Promise<string> => {
      calls++
      await new Promise(resolve => setTimeout(resolve, 50))
      throw new Error('upstream down')
    }
    const results = await Promise.allSettled(peers.map(p => p.getOrLoad('broken', failing)))
    expect(calls).toBe(1)
    for (const result of results) {
      expect(result.status).toBe('rejected')
      const err = (result as PromiseRejectedResult).reason
      expect(err.code).toBe('ERR_LOADER_FAILED')
      expect(err.message).toBe('upstream down')
    }
    expect(await peers[0].has('broken')).toBe(false)
    await expect(peers[0].getOrLoad('no-loader-here')).rejects.toMatchObject({ code: 'ERR_NO_LOADER' })
  })

  it('a lease not filled in time passes to the next asker with a loader', async () => {
    let first = 0
    let second = 0
    // The first holder's loader hangs past leaseTimeoutMs (400 ms); the other asker takes over.
    const hanging = peers[0].getOrLoad('stuck', async () => { first++; await new Promise(resolve => setTimeout(resolve, 2_000)); return 'late' })
    await new Promise(resolve => setTimeout(resolve, 50))
    const heir = await peers[3].getOrLoad('stuck', async () => { second++; return 'heir' })
    expect(heir).toBe('heir')
    expect([first, second]).toEqual([1, 1])
    expect(await peers[1].get('stuck')).toBe('heir')
    // The stuck loader's own callers are released with ERR_TIMEOUT (2 × leaseTimeoutMs), not held forever.
    await expect(hanging).rejects.toMatchObject({ code: 'ERR_TIMEOUT' })
  })

  it('pub/sub channels reach every other peer; ping measures a round trip', async () => {
    const received = peers.slice(1).map(() => [] as unknown[])
    const offs = peers.slice(1).map((peer, i) => peer.subscribe('news', (data, from) => { received[i].push({ data, from }) }))
    await waitFor(async () => {
      await peers[0].publish('news', { headline: 'hello' })
      return received.every(r => r.length > 0)
    }, 10_000, 'every subscriber to hear the channel')
    for (const r of received) expect(r[0]).toEqual({ data: { headline: 'hello' }, from: peers[0].peerId })
    // Unsubscribing peer 1 stops its deliveries while peer 2 keeps hearing the channel.
    offs[0]()
    const heardBy1 = received[0].length
    const heardBy2 = received[1].length
    await waitFor(async () => {
      await peers[0].publish('news', { headline: 'again' })
      return received[1].length > heardBy2
    }, 10_000, 'peer 2 to hear the channel again')
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(received[0].length).toBe(heardBy1)
    offs.slice(1).forEach(off => { off() })
    const rtt = await peers[0].ping(peers[4].peerId)
    expect(rtt).toBeGreaterThan(0)
    expect(rtt).toBeLessThan(5_000)
  })

  it('status counts members, keys, hits and misses', async () => {
    const before = await peers[0].status()
    expect(await peers[0].get('surely-absent')).toBeUndefined()
    const status = await peers[0].status()
    expect(status.misses).toBe(before.misses + 1)
    expect(status.members).toHaveLength(5)
    expect(status.members.filter(m => m.self)).toHaveLength(1)
    expect(status.hits).toBeGreaterThan(0)
    expect(status.keys).toBe(peers[0].localKeys().length + (await Promise.all(
      Object.keys(status.keyspaces).filter(k => k !== 'default').map(async k => status.keyspaces[k].keys)
    )).reduce((a, b) => a + b, 0))
  })
})
