/**
 * One side of the memory suite (bench/memory.ts), alone in a process run
 * with --expose-gc: fills either a meshcache peer or a plain lru-cache with
 * the same entries and prints what the heap and the process grew by.
 */
import { LRUCache } from 'lru-cache'
import { createCache } from '../node/index.js'

const [kind, count, bytes] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])]
const gc = (globalThis as { gc?: () => void }).gc
if (gc == null) throw new Error('run with --expose-gc')

function usage (): { heap: number, rss: number, external: number } {
  gc!()
  gc!()
  const m = process.memoryUsage()
  return { heap: m.heapUsed, rss: m.rss, external: m.external }
}

// Each value is its own 100-byte array, as values arriving one by one are.
const valueOf = (i: number): Uint8Array => { const v = new Uint8Array(bytes); v.fill(i & 0xff); return v }
const BATCH = 10_000
let before: ReturnType<typeof usage>
let keep: unknown
const started = performance.now()
if (kind === 'lru') {
  before = usage()
  const lru = new LRUCache<string, Uint8Array>({ max: count + 1 })
  for (let i = 0; i < count; i++) lru.set(`key:${i}`, valueOf(i))
  keep = lru
} else {
  const cache = await createCache({ mesh: 'bench-memory', replicas: 1, listen: ['/ip4/127.0.0.1/tcp/0'] })
  before = usage()
  for (let i = 0; i < count; i += BATCH) {
    await cache.setMany(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => [`key:${i + j}`, valueOf(i + j)] as [string, Uint8Array]))
  }
  if ((await cache.status()).keys !== count) throw new Error('not every entry was stored')
  keep = cache
}
const after = usage()
console.log(JSON.stringify({
  kind,
  entries: count,
  heapBytes: after.heap - before.heap,
  externalBytes: after.external - before.external,
  rssBytes: after.rss,
  fillMs: performance.now() - started,
  kept: keep != null
}))
process.exit(0)
