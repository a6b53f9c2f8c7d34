/**
 * Suite 2 — local and near hits over the same 10 000 keys of 100-character
 * strings, in one process: the synchronous `cache.peek(key)` against
 * lru-cache's get, and `await cache.get(key)` against an awaited lru-cache
 * get (an async function returning lru.get: what the promise alone costs).
 * "local": a single-peer mesh that owns the key; "near": a client peer
 * reading another owner's key from its near cache. Targets: each ≥ 0.8× its
 * lru-cache counterpart.
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
  // Two warm-up runs let the JIT settle (it is still tiering up both sides in
  // the second: lru-cache's get at 25-35 M/s, then 38-45); then the best of four.
  let best = 0
  for (let run = 0; run < 6; run++) {
    const start = performance.now()
    for (let r = 0; r < ROUNDS; r++) {
      if (awaited) { for (const key of keys) await fn(key) } else { for (const key of keys) fn(key) }
    }
    const perSec = ROUNDS * KEYS / ((performance.now() - start) / 1000)
    if (run > 1) best = Math.max(best, perSec)
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
const localPeek = await rate(key => owner.peek(key), false)
// get's own promise is awaited, as the async wrapper's is for lru-cache: one promise per call on each side
// (an async arrow around get would add a second, which the lru side does not pay).
const localGet = await rate(key => owner.get(key), true)

const client = await createCache({ mesh: 'bench-local', replicas: 1, role: 'client', bootstrap: owner.multiaddrs, listen: ['/ip4/127.0.0.1/tcp/0'], nearCache: { maxEntries: 20_000, maxStalenessMs: 600_000 } })
await client.getMany(keys) // fills the near cache
await check(client)
const nearBefore = (await client.status()).near.hits
const nearPeek = await rate(key => client.peek(key), false)
const nearGet = await rate(key => client.get(key), true)
const nearHits = (await client.status()).near.hits - nearBefore
await client.stop()
await owner.stop()
if (nearHits < 2 * 4 * ROUNDS * KEYS) throw new Error(`only ${nearHits} near-cache hits: the near suite measured something else`)

const rows = [
  { path: 'local (owner)', call: 'peek', opsPerSec: localPeek, lru: lruSync },
  { path: 'local (owner)', call: 'await get', opsPerSec: localGet, lru: lruAsync },
  { path: 'near (client)', call: 'peek', opsPerSec: nearPeek, lru: lruSync },
  { path: 'near (client)', call: 'await get', opsPerSec: nearGet, lru: lruAsync }
].map(r => ({ ...r, vsLru: r.opsPerSec / r.lru }))
console.log(`local/near hits: ${KEYS} keys × ${ROUNDS} rounds, 100-char string values, one caller; peek against lru.get, await get against await (async () => lru.get())`)
printTable(['path', 'call', 'meshcache/s', 'lru-cache/s', 'vs lru'],
  rows.map(r => [r.path, r.call, fmt.int(r.opsPerSec), fmt.int(r.lru), fmt.ratio(r.vsLru)]))
console.log(`target ≥ 0.8× lru-cache: ${rows.map(r => `${r.path} ${r.call} ${r.vsLru.toFixed(2)}×`).join(', ')}`)
console.log(`wrote ${writeResult('local', { keys: KEYS, rounds: ROUNDS, lruSync, lruAsync, rows, target: 0.8 })}`)
process.exit(0)
