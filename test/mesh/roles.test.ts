import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startCluster } from '../helpers/cluster.js'
import type { Cluster } from '../helpers/cluster.js'
import type { MeshCache } from '../../node/index.js'

describe("role: 'client'", () => {
  let cluster: Cluster
  let client: MeshCache

  beforeAll(async () => {
    cluster = await startCluster(3)
    client = await cluster.add({ role: 'client' })
  })
  afterAll(async () => { await cluster?.stop() })

  it('owns no key, holds nothing, and is seen as a client', async () => {
    const keys = Array.from({ length: 100 }, (_, i) => `c:${i}`)
    await client.setMany(keys.map(k => [k, k]))
    for (const key of keys) expect(client.ownersOf(key)).not.toContain(client.peerId)
    expect(client.localKeys()).toEqual([])
    expect(await cluster.peers[0].getMany(keys)).toEqual(keys)
    const seen = (await cluster.peers[1].status()).members.find(m => m.peerId === client.peerId)
    expect(seen?.role).toBe('client')
  })

  it('serves repeated reads from its near cache', async () => {
    await cluster.peers[0].set('popular', 'v1')
    expect(await client.get('popular')).toBe('v1')
    const before = await client.status()
    for (let i = 0; i < 10; i++) expect(await client.get('popular')).toBe('v1')
    const after = await client.status()
    expect(after.near.hits - before.near.hits).toBe(10)
    expect(after.near.entries).toBeGreaterThan(0)
  })

  it('peeks at its near copy without asking anyone, and at nothing it has not read', async () => {
    await cluster.peers[0].set('peeked', { n: 1 })
    expect(client.peek('peeked')).toBeUndefined() // never read here: no copy, and peek does not ask
    expect(await client.get('peeked')).toEqual({ n: 1 })
    const copy = client.peek('peeked') as { n: number }
    expect(copy).toEqual({ n: 1 })
    copy.n = 2 // a caller's change to what it got is not the next reader's value
    expect(client.peek('peeked')).toEqual({ n: 1 })
    await cluster.peers[0].set('peeked', { n: 3 })
    // The owner's invalidation drops the copy; peek then has nothing until the next get.
    await eventually(() => { expect(client.peek('peeked')).toBeUndefined() })
    expect(() => client.peek('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_KEY' }))
  })
})

