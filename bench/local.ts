/**
 * Suite 2 — local and near hits: `await cache.get(key)` of a cached key
 * against lru-cache's get in the same process, over the same 10 000 keys of
 * 100-character strings. "local": a single-peer mesh that owns the key;
 * "near": a client peer reading another owner's key from its near cache.
 * Target: ≥ 0.8× lru-cache. The async-wrapped lru-cache column shows what an
 * `await` alone costs, since meshcache's get returns a promise.
 */
import { LRUCache } from 'lru-cache'
import { createCache } from '../node/index.js'
import { fmt, printTable, writeResult } from './lib/measure.js'
import type { MeshCache } from '../node/index.js'

const KEYS = 10_000
const ROUNDS = Number(process.env.BENCH_LOCAL_ROUNDS ?? 50)
const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`)
const value = 'v'.repeat(100)

async function rate (fn: (key: string) => unknown, awaited: boolean): Promise<number> {
  // One warm-up round lets the JIT settle; then the best of three timed runs.
  let best = 0
  for (let run = 0; run < 4; run++) {
    const start = performance.now()
    for (let r = 0; r < ROUNDS; r++) {
      if (awaited) { for (const key of keys) await fn(key) } else { for (const key of keys) fn(key) }
    }
    const perSec = ROUNDS * KEYS / ((performance.now() - start) / 1000)
    if (run > 0) best = Math.max(best, perSec)
  }
  return best
}

async function check (cache: MeshCache): Promise<void> {
  if (await cache.get(keys[0]) !== value) throw new Error('the benchmark key is not cached')
}

const lru = new LRUCache<string, string>({ max: 100_000 })
for (const key of keys) lru.set(key, value)
const lruSync = await rate(key => lru.get(key), false)
const lruAsync = await rate(async key => lru.get(key), true)

const owner = await createCache({ mesh: 'bench-local', replicas: 1, listen: ['/ip4/127.0.0.1/tcp/0'] })
await owner.setMany(keys.map(key => [key, value]))
await check(owner)
const local = await rate(async key => owner.get(key), true)

const client = await createCache({ mesh: 'bench-local', replicas: 1, role: 'client', bootstrap: owner.multiaddrs, listen: ['/ip4/127.0.0.1/tcp/0'], nearCache: { maxEntries: 20_000, maxStalenessMs: 600_000 } })
await client.getMany(keys) // fills the near cache
await check(client)
const nearBefore = (await client.status()).near.hits
const near = await rate(async key => client.get(key), true)
const nearHits = (await client.status()).near.hits - nearBefore
await client.stop()
await owner.stop()
if (nearHits < ROUNDS * KEYS) throw new Error(`only ${nearHits} near-cache hits: the near suite measured something else`)

const rows = [
  { path: 'local (owner)', opsPerSec: local },
  { path: 'near (client)', opsPerSec: near }
].map(r => ({ ...r, vsLru: r.opsPerSec / lruSync, vsLruAwaited: r.opsPerSec / lruAsync }))
console.log(`local/near hits: ${KEYS} keys × ${ROUNDS} rounds, 100-char string values, one caller`)
printTable(['path', 'meshcache gets/s', 'lru-cache get/s', 'lru awaited/s', 'vs lru', 'vs lru awaited'],
  rows.map(r => [r.path, fmt.int(r.opsPerSec), fmt.int(lruSync), fmt.int(lruAsync), fmt.ratio(r.vsLru), fmt.ratio(r.vsLruAwaited)]))
console.log(`target ≥ 0.8× lru-cache: local ${rows[0].vsLru.toFixed(2)}×, near ${rows[1].vsLru.toFixed(2)}×`)
console.log(`wrote ${writeResult('local', { keys: KEYS, rounds: ROUNDS, lruSync, lruAsync, rows, target: 0.8 })}`)
process.exit(0)
