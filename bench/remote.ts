/**
 * Suite 1 — remote get/set: a client process asks a serving process on
 * 127.0.0.1 with 64 requests in flight, values of 100 B, 1 KiB and 64 KiB.
 * Baselines in the same run: redis-benchmark -c 64 against a redis-server
 * started here, and raw node:net with meshcache's framing (bench/lib/raw-tcp.ts).
 * Targets: ≥ 1.5× Redis ops/s at 100 B, ≥ 0.5× raw TCP.
 */
import { createCache } from '../node/index.js'
import { startChild, stopChild } from './lib/child.js'
import { closedLoop, fmt, printTable, writeResult } from './lib/measure.js'
import { connectRaw } from './lib/raw-tcp.js'
import { ensureRedis, startRedis } from './lib/redis.js'
import type { LoopResult } from './lib/measure.js'
import type { RedisFigures } from './lib/redis.js'

const IN_FLIGHT = 64
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2_000)
const SIZES = (process.env.BENCH_SIZES ?? '100,1024,65536').split(',').map(Number)
const KEYS = 1000

interface Row { system: string, op: 'get' | 'set', bytes: number, figures: LoopResult | RedisFigures }

const server = await startChild<{ multiaddrs: string[], rawPort: number }>(new URL('./remote-server.js', import.meta.url))
const rows: Row[] = []
try {
  const client = await createCache({
    mesh: 'bench-remote', bootstrap: server.ready.multiaddrs, role: 'client', replicas: 1,
    nearCache: { maxEntries: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], requestTimeoutMs: 30_000
  })
  const raw = await connectRaw(server.ready.rawPort)
  const hasRedis = ensureRedis()
  const redis = hasRedis ? await startRedis() : undefined
  if (redis == null) console.log('redis-server is not installed and cannot be: the Redis columns stay empty')

  for (const bytes of SIZES) {
    const value = new Uint8Array(bytes).fill(7)
    const keys = Array.from({ length: KEYS }, (_, i) => `key:${i}`)
    const pick = (w: number, i: number): string => keys[(w * 7919 + i * 104729) % KEYS]
    for (const op of ['set', 'get'] as const) {
      // set first: the gets then find every key.
      rows.push({ system: 'meshcache', op, bytes, figures: await closedLoop(IN_FLIGHT, DURATION_MS, op === 'set' ? async (w, i) => client.set(pick(w, i), value) : async (w, i) => client.get(pick(w, i))) })
      rows.push({ system: 'raw tcp', op, bytes, figures: await closedLoop(IN_FLIGHT, DURATION_MS, op === 'set' ? async (w, i) => raw.set(pick(w, i), value) : async (w, i) => raw.get(pick(w, i))) })
      if (redis != null) {
        const requests = Math.round(bytes >= 65536 ? 20_000 : 100_000 * DURATION_MS / 1000)
        rows.push({ system: 'redis', op, bytes, figures: await redis.bench(op, bytes, requests) })
      }
    }
  }
  raw.close()
  await redis?.stop()
  await client.stop()
} finally {
  await stopChild(server.child)
}

const find = (system: string, op: string, bytes: number): Row['figures'] | undefined => rows.find(r => r.system === system && r.op === op && r.bytes === bytes)?.figures
const table = rows.filter(r => r.system === 'meshcache').map(r => {
  const redis = find('redis', r.op, r.bytes)
  const raw = find('raw tcp', r.op, r.bytes)!
  return {
    op: r.op,
    bytes: r.bytes,
    meshcache: r.figures,
    raw,
    redis,
    vsRedis: redis != null ? r.figures.opsPerSec / redis.opsPerSec : undefined,
    vsRaw: r.figures.opsPerSec / raw.opsPerSec
  }
})
console.log(`remote get/set: 2 processes on 127.0.0.1, ${IN_FLIGHT} in flight, ${DURATION_MS} ms per cell`)
printTable(['op', 'bytes', 'meshcache ops/s', 'p50 ms', 'p99 ms', 'raw tcp ops/s', 'p50', 'p99', 'redis ops/s', 'p50', 'p99', 'vs redis', 'vs raw'],
  table.map(t => [t.op, t.bytes, fmt.int(t.meshcache.opsPerSec), fmt.ms(t.meshcache.p50Ms), fmt.ms(t.meshcache.p99Ms),
    fmt.int(t.raw.opsPerSec), fmt.ms(t.raw.p50Ms), fmt.ms(t.raw.p99Ms),
    t.redis != null ? fmt.int(t.redis.opsPerSec) : '-', t.redis != null ? fmt.ms(t.redis.p50Ms) : '-', t.redis != null ? fmt.ms(t.redis.p99Ms) : '-',
    t.vsRedis != null ? fmt.ratio(t.vsRedis) : '-', fmt.ratio(t.vsRaw)]))
const at100 = table.filter(t => t.bytes === 100)
const targets = {
  vsRedisAt100: { target: 1.5, get: at100.find(t => t.op === 'get')?.vsRedis, set: at100.find(t => t.op === 'set')?.vsRedis },
  vsRaw: { target: 0.5, worst: Math.min(...table.map(t => t.vsRaw)) }
}
console.log(`targets: ≥ 1.5× Redis at 100 B: get ${targets.vsRedisAt100.get?.toFixed(2) ?? '-'}×, set ${targets.vsRedisAt100.set?.toFixed(2) ?? '-'}×; ≥ 0.5× raw TCP: worst ${targets.vsRaw.worst.toFixed(2)}×`)
console.log(`wrote ${writeResult('remote', { inFlight: IN_FLIGHT, durationMs: DURATION_MS, rows: table, targets })}`)
process.exit(0)
