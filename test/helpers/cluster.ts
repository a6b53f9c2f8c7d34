import { createCache } from '../../node/index.js'
import type { CacheOptions, MeshCache } from '../../node/index.js'

/** Loopback only: tests never listen on or dial anything else. */
export const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

/** Fast membership so multi-peer tests settle in well under a second. */
export const FAST: CacheOptions = { heartbeatMs: 200, missedHeartbeats: 5, requestTimeoutMs: 3_000 }

export interface Cluster {
  peers: MeshCache[]
  /** Starts one more peer bootstrapped from the first. */
  add: (options?: CacheOptions) => Promise<MeshCache>
  stop: () => Promise<void>
}

/**
 * Starts `size` peers of one mesh in this process, bootstrapped from the
 * first, and waits until every peer sees every other. Every multi-peer test
 * uses it, and `stop()` in afterEach/finally so no node outlives its test.
 */
export async function startCluster (size: number, options: CacheOptions = {}, membershipTimeoutMs?: number): Promise<Cluster> {
  const mesh = options.mesh ?? `test-${Math.random().toString(36).slice(2, 10)}`
  const base: CacheOptions = { ...FAST, listen: LOOPBACK, ...options, mesh }
  const peers: MeshCache[] = []
  const cluster: Cluster = {
    peers,
    add: async (extra = {}) => {
      const peer = await createCache({ ...base, bootstrap: seedOf(peers), ...extra })
      peers.push(peer)
      return peer
    },
    stop: async () => {
      await Promise.allSettled(peers.map(async p => p.stop()))
    }
  }
  try {
    peers.push(await createCache(base))
    for (let i = 1; i < size; i++) await cluster.add()
    await waitForMembership(peers, membershipTimeoutMs)
  } catch (err) {
    await cluster.stop()
    throw err
  }
  return cluster
}

export function seedOf (peers: MeshCache[]): string[] {
  return peers.length === 0 ? [] : [peers[0].multiaddrs.find(a => a.includes('/tcp/') && !a.includes('/ws')) ?? peers[0].multiaddrs[0]]
}

/** Resolves once each peer's view holds exactly the others. */
export async function waitForMembership (peers: MeshCache[], timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    for (const peer of peers) {
      const seen = new Set((await peer.status()).members.map(m => m.peerId))
      if (seen.size !== peers.length || !peers.every(p => seen.has(p.peerId))) return false
    }
    return true
  }, timeoutMs, 'membership to converge')
}

/** Polls `test` every 20 ms until it holds; rejects after `timeoutMs`. */
export async function waitFor (test: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await test()) return
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/**
 * Retries an assertion until it passes, for reads on other peers after a
 * write: their near copies drop when the owners' invalidation arrives over
 * gossip, a few ms after the write was acknowledged (README, Guarantees).
 */
export async function eventually (check: () => Promise<void> | void, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }
}
