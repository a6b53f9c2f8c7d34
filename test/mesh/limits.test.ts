import { afterEach, describe, expect, it } from 'vitest'
import { createCache } from '../../node/index.js'
import { Op } from '../../src/protocol/frame.js'
import { FAST, LOOPBACK, seedOf, startCluster, waitFor, waitForMembership } from '../helpers/cluster.js'
import { sendRaw } from '../helpers/wire.js'
import type { Cluster } from '../helpers/cluster.js'
import type { MeshCache } from '../../node/index.js'

/**
 * Misbehaving peers (no secret here: limits hold without one) are hung up and
 * penalized, repeat offenders banned, and everyone else keeps being served.
 */
describe('limits against a misbehaving peer', () => {
  let cluster: Cluster | undefined
  const extra: MeshCache[] = []
  afterEach(async () => {
    await Promise.allSettled(extra.splice(0).map(async p => p.stop()))
    await cluster?.stop()
    cluster = undefined
  })

  /** One owner, `a`, and a client without a near cache: every get of the client is served by `a`. */
  async function ownerAndClient (options: Parameters<typeof startCluster>[1] = {}): Promise<[MeshCache, MeshCache]> {
    cluster = await startCluster(1, options)
    const client = await cluster.add({ role: 'client', nearCache: { maxEntries: 0 } })
    await waitForMembership(cluster.peers)
    return [cluster.peers[0], client]
  }

  /** Reads from `reader` until `stop()`, recording every failure: the service others get meanwhile. */
  function keepReading (reader: MeshCache, keys: string[]): { stop: () => Promise<{ reads: number, failures: unknown[] }> } {
    let running = true
    const failures: unknown[] = []
    let reads = 0
    // Bounded even if a test fails before stop(): it ends with the reader, or after 30 s.
    const deadline = Date.now() + 30_000
    const loop = (async () => {
      while (running && Date.now() < deadline) {
        // A macrotask per round, so the attack and the test's timers run too.
        await new Promise(resolve => setTimeout(resolve, 5))
        for (const key of keys) {
          try {
            if (await reader.get(key) !== key) failures.push(new Error(`wrong value for ${key}`))
            reads++
          } catch (err) {
            if ((err as { code?: string }).code === 'ERR_CLOSED') return
            failures.push(err)
          }
        }
      }
    })()
    return { stop: async () => { running = false; await loop; return { reads, failures } } }
  }

  async function attacker (mesh: string): Promise<MeshCache> {
    const peer = await createCache({ ...FAST, mesh, listen: LOOPBACK })
    extra.push(peer)
    return peer
  }

  it('a peer sending more requests at once than the in-flight bound is hung up; other clients keep their answers', async () => {
    const [a, b] = await ownerAndClient({ limits: { maxInFlightPerPeer: 8 } })
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`)
    await a.setMany(keys.map(k => [k, k]))
    const flooder = await attacker((await a.status()).mesh)
    const service = keepReading(b, keys)

    // 64 requests in one chunk: a sees them all before answering any.
    const answers = await sendRaw(flooder, a, Array.from({ length: 64 }, () => ({ op: Op.GET, keyspace: 'default', keys: ['k1'] })), 1_000)
    expect(answers.length).toBeLessThanOrEqual(8)
    await waitFor(() => a.libp2p.getConnections(flooder.libp2p.peerId).length === 0, 3_000, 'the flooder to be hung up')
    const status = await a.status()
    expect(status.access.rejected).toBeGreaterThanOrEqual(1)
    expect(status.access.penalizedPeers).toBeGreaterThanOrEqual(1)
    expect(status.misbehavingFrames).toBeGreaterThanOrEqual(1)

    const { reads, failures } = await service.stop()
    expect(failures).toEqual([])
    expect(reads).toBeGreaterThan(0)
    expect(await b.getMany(keys)).toEqual(keys)
  })

  it('our own peers queue past the bound instead of exceeding it', async () => {
    cluster = await startCluster(3, { limits: { maxInFlightPerPeer: 4 } })
    const [a, b, c] = cluster.peers
    const keys = Array.from({ length: 300 }, (_, i) => `q${i}`)
    await Promise.all(keys.map(async k => a.set(k, k)))
    expect(await Promise.all(keys.map(async k => c.get(k)))).toEqual(keys)
    expect(await Promise.all(keys.map(async k => b.has(k)))).toEqual(keys.map(() => true))
    for (const peer of cluster.peers) {
      const status = await peer.status()
      expect(status.misbehavingFrames).toBe(0)
      expect(status.access.penalizedPeers).toBe(0)
    }
  })

  it('garbage on /meshcache/1.0.0 gets the sender hung up, and three times banned; other clients keep their answers', async () => {
    const [a, b] = await ownerAndClient()
    const keys = ['g1', 'g2', 'g3']
    await a.setMany(keys.map(k => [k, k]))
    const vandal = await attacker((await a.status()).mesh)
    const service = keepReading(b, keys)

    for (let round = 1; round <= 3; round++) {
      // A length prefix of 2^32 - 1, far over the frame bound.
      await sendRaw(vandal, a, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]), 300).catch(() => [])
      await waitFor(async () => (await a.status()).misbehavingFrames >= round, 3_000, `offence ${round} to be counted`)
      // Both ends, so the next round dials afresh.
      await waitFor(() => [a.libp2p.getConnections(vandal.libp2p.peerId), vandal.libp2p.getConnections(a.libp2p.peerId)].every(c => c.length === 0), 3_000, `hang-up ${round}`)
    }
    expect((await a.status()).access.bannedPeers).toBe(1)
    // Banned: a new connection is refused, so nothing it sends is read any more.
    expect(await sendRaw(vandal, a, [{ op: Op.PING }], 500).catch(() => [])).toEqual([])
    expect((await a.status()).misbehavingFrames).toBe(3)

    const { reads, failures } = await service.stop()
    expect(failures).toEqual([])
    expect(reads).toBeGreaterThan(0)
  })

  it('a peer flooding invalidations past the rate is hung up and its flood dropped', async () => {
    cluster = await startCluster(2, { limits: { maxInvalidationsPerSecond: 1_000 } })
    const [a] = cluster.peers
    const mesh = (await a.status()).mesh
    const flooder = await attacker(mesh)
    const heard: string[] = []
    a.addEventListener('invalidate', evt => { heard.push((evt as CustomEvent).detail.owner as string) })
    const items = Array.from({ length: 500 }, (_, i) => ({ keyspace: 'default', key: `f${i}`, version: 1n, value: new Uint8Array(0), expiresAt: 0n, staleAt: 0n }))
    // Past the flooder's own invalidator: ten notices of 500 in one chunk.
    await sendRaw(flooder, a, Array.from({ length: 10 }, (_, i) => ({ id: 0, op: Op.INVALIDATE, epoch: 1n, seq: BigInt(i + 1), entries: items })), 1_000)
    await waitFor(async () => (await a.status()).access.rejected >= 1, 3_000, 'the flood to be refused')
    await waitFor(() => a.libp2p.getConnections(flooder.libp2p.peerId).length === 0, 3_000, 'the flooder to be hung up')
    // The bucket holds 2 s worth (2 000 items): four notices of 500 at most got through.
    expect(heard.filter(owner => owner === flooder.peerId).length).toBeLessThanOrEqual(2_000)
  })
})
