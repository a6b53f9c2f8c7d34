/**
 * One path of suite 2 in a process of its own (bench/local.ts): lru-cache's
 * get and awaited get first, then meshcache's peek and awaited get on the
 * same 10 000 keys, on a peer that owns them ("local") or a client that
 * holds near copies of them ("near"). Prints one JSON line of ops/s.
 */
import { LRUCache } from 'lru-cache'
import { createCache } from '../node/index.js'
import type { MeshCache } from '../node/index.js'

const path = process.argv[2]
if (path !== 'local' && path !== 'near') throw new Error(`usage: local-child.js local|near, not ${String(path)}`)
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
let reader = owner
if (path === 'near') {
  reader = await createCache({ mesh: 'bench-local', replicas: 1, role: 'client', bootstrap: owner.multiaddrs, listen: ['/ip4/127.0.0.1/tcp/0'], nearCache: { maxEntries: 20_000, maxStalenessMs: 600_000 } })
  await reader.getMany(keys) // fills the near cache
}
await check(reader)
const before = await reader.status()
const peek = await rate(key => reader.peek(key), false)
// get's own promise is awaited, as the async wrapper's is for lru-cache: one promise per call on each side
// (an async arrow around get would add a second, which the lru side does not pay).
const get = await rate(key => reader.get(key), true)
const after = await reader.status()
const hits = path === 'near' ? after.near.hits - before.near.hits : after.hits - before.hits
if (reader !== owner) await reader.stop()
await owner.stop()
if (hits < 2 * 6 * ROUNDS * KEYS) throw new Error(`only ${hits} ${path} hits: the suite measured something else`)
console.log(JSON.stringify({ path, lruSync, lruAsync, peek, get }))
process.exit(0)
