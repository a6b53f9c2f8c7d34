import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../node/index.js'
import { LOOPBACK, startCluster, waitFor } from '../helpers/cluster.js'
import type { Cluster } from '../helpers/cluster.js'

describe('bad input gets a typed error and writes nothing', () => {
  let cluster: Cluster

  beforeAll(async () => { cluster = await startCluster(2, { maxValueBytes: 1_000 }) })
  afterAll(async () => { await cluster?.stop() })

  it.each([
    ['an empty key', '', 'ERR_INVALID_KEY'],
    ['a key over 1024 bytes', 'k'.repeat(1025), 'ERR_INVALID_KEY'],
    ['a key of 342 three-byte characters', '€'.repeat(342), 'ERR_INVALID_KEY']
  ])('rejects %s', async (_what, key, code) => {
    const [a] = cluster.peers
    await expect(a.set(key, 1)).rejects.toMatchObject({ code })
    await expect(a.get(key)).rejects.toMatchObject({ code })
    await expect(a.delete(key)).rejects.toMatchObject({ code })
  })

  it('accepts a key of exactly 1024 bytes', async () => {
    const [a, b] = cluster.peers
    const key = '€'.repeat(341) + 'k' // 1023 + 1 bytes
    await a.set(key, 'edge')
    expect(await b.get(key)).toBe('edge')
  })

  it.each([
    ['undefined', undefined, 'ERR_NOT_SERIALIZABLE'],
    ['a function', () => 1, 'ERR_NOT_SERIALIZABLE'],
    ['NaN', Number.NaN, 'ERR_NOT_SERIALIZABLE'],
    ['a Date', new Date(0), 'ERR_NOT_SERIALIZABLE'],
    ['a Map', new Map(), 'ERR_NOT_SERIALIZABLE'],
    ['a bigint', 10n, 'ERR_NOT_SERIALIZABLE'],
    ['a value over maxValueBytes', 'x'.repeat(1_000), 'ERR_VALUE_TOO_LARGE']
  ])('rejects %s as a value', async (_what, value, code) => {
    await expect(cluster.peers[0].set('bad', value as any)).rejects.toMatchObject({ code })
    expect(await cluster.peers[1].has('bad')).toBe(false)
  })

  it('rejects a cyclic value', async () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    await expect(cluster.peers[0].set('cyclic', cyclic as any)).rejects.toMatchObject({ code: 'ERR_NOT_SERIALIZABLE' })
  })

  it('a batch with one bad entry writes none of it', async () => {
    const [a, b] = cluster.peers
    const entries: Array<[string, any]> = [['good:1', 1], ['good:2', 2], ['bad', () => 3], ['good:3', 3]]
    await expect(a.setMany(entries)).rejects.toMatchObject({ code: 'ERR_NOT_SERIALIZABLE' })
    expect(await b.getMany(['good:1', 'good:2', 'good:3'])).toEqual([undefined, undefined, undefined])
    await expect(a.deleteMany(['good:1', ''])).rejects.toMatchObject({ code: 'ERR_INVALID_KEY' })
  })

  it.each([-1, 1.5, Number.NaN, '10'])('rejects ttlMs %s', async (ttlMs) => {
    const [a, b] = cluster.peers
    await expect(a.set('ttl-bad', 1, { ttlMs: ttlMs as any })).rejects.toMatchObject({ code: 'ERR_INVALID_TTL' })
    await expect(a.expire('ttl-bad', ttlMs as any)).rejects.toMatchObject({ code: 'ERR_INVALID_TTL' })
    expect(await b.has('ttl-bad')).toBe(false)
  })

  it('rejects bad keyspace names and options', async () => {
    const [a] = cluster.peers
    expect(() => a.keyspace('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
    expect(() => a.keyspace('has space')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
    await expect(createCache({ replicas: 6, listen: LOOPBACK })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(createCache({ mesh: 'a/b', listen: LOOPBACK })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(createCache({ weight: 0, listen: LOOPBACK })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
  })

  it('rejects an unreachable bootstrap with ERR_UNAVAILABLE', async () => {
    await expect(createCache({ listen: LOOPBACK, bootstrap: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWCKqu5m4ENj4SmwnYVhzApHoMBwgQUd2DwfSjVojsCpar'], requestTimeoutMs: 1_000 }))
      .rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' })
  })
})

describe('a stopped cache', () => {
  it('rejects every operation with ERR_CLOSED, and stop() is idempotent', async () => {
    const cache = await createCache({ listen: LOOPBACK })
    await cache.set('k', 1)
    expect(cache.peek('k')).toBe(1) // remembered: the next peek would be a hit with no check of its own
    const stopped = Promise.all([cache.stop(), cache.stop()])
    expect(() => cache.peek('k')).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' })) // already while stopping
    await stopped
    expect(() => cache.peek('k')).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }))
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    await expect(cache.set('k', 2)).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    await expect(cache.getOrLoad('k', () => 3)).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    await expect(cache.keyspaces()).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    expect(() => cache.keyspace('x')).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }))
  })
})

describe('a peer sending garbage', () => {
  it('gets its stream reset and is counted; the node keeps serving everyone', async () => {
    const cluster = await startCluster(2)
    try {
      const [a, b] = cluster.peers
      await a.set('still-here', 1)
      const { PROTOCOL } = await import('../../node/index.js')
      const stream = await b.libp2p.dialProtocol(a.libp2p.peerId, PROTOCOL)
      // A length prefix of 2^32 - 1: far over the frame bound.
      await stream.sink([new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])])
      await waitFor(async () => (await a.status()).misbehavingFrames === 1, 5_000, 'the bad frame to be counted')
      expect(await b.get('still-here')).toBe(1)
      expect(await a.get('still-here')).toBe(1)
    } finally {
      await cluster.stop()
    }
  })
})
