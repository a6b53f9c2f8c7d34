/**
 * Suite 5 — memory: 1 M entries of 100-byte values in one meshcache peer,
 * against lru-cache holding the same keys and values, each alone in a fresh
 * process (bench/memory-child.ts), and against redis-server holding them too
 * (loaded with `redis-cli --pipe`, measured by INFO's used_memory). Reports
 * heap and off-heap growth per entry and the fill time. Targets: meshcache
 * ≤ 1.0× Redis' used_memory; filling with setMany ≤ 2× lru-cache's fill.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fmt, printTable, writeResult } from './lib/measure.js'
import { ensureRedis, startRedis } from './lib/redis.js'

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000)
const VALUE_BYTES = 100
const MIB = 1024 * 1024
const child = fileURLToPath(new URL('./memory-child.js', import.meta.url))

interface Measured { kind: string, entries: number, heapBytes: number, externalBytes: number, rssBytes: number, fillMs: number }

function measure (kind: string): Measured {
  const run = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', child, kind, String(ENTRIES), String(VALUE_BYTES)], { encoding: 'utf8', timeout: 180_000 })
  if (run.status !== 0) throw new Error(`${kind} memory run failed: ${run.stderr}`)
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Measured
}

/** The same keys and values as memory-child.ts, as RESP SET commands. */
function setCommands (): Buffer {
  const parts: Buffer[] = []
  for (let i = 0; i < ENTRIES; i++) {
    const key = `key:${i}`
    parts.push(Buffer.from(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${VALUE_BYTES}\r\n`), Buffer.alloc(VALUE_BYTES, i & 0xff), Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

async function measureRedis (): Promise<{ usedBytes: number, fillMs: number } | undefined> {
  if (!ensureRedis()) return undefined
  const redis = await startRedis()
  try {
    const commands = setCommands()
    const before = await redis.usedMemory()
    const started = performance.now()
    await redis.pipe(commands)
    const fillMs = performance.now() - started
    return { usedBytes: await redis.usedMemory() - before, fillMs }
  } finally {
    await redis.stop()
  }
}

const rows = [measure('lru'), measure('meshcache')].map(m => ({
  ...m,
  // `external` already includes array buffers (process.memoryUsage()).
  totalBytes: m.heapBytes + m.externalBytes,
  perEntry: (m.heapBytes + m.externalBytes) / m.entries
}))
const [lru, mesh] = rows
const redis = await measureRedis()
console.log(`memory: ${ENTRIES.toLocaleString('en-US')} entries of ${VALUE_BYTES} B, after GC; each value arrives as its own Uint8Array`)
printTable(['store', 'heap MiB', 'off-heap MiB', 'total MiB', 'bytes/entry', 'RSS MiB', 'fill s'], [
  ...rows.map(r => [r.kind, (r.heapBytes / MIB).toFixed(0), (r.externalBytes / MIB).toFixed(0), (r.totalBytes / MIB).toFixed(0), r.perEntry.toFixed(0), (r.rssBytes / MIB).toFixed(0), (r.fillMs / 1000).toFixed(1)]),
  ...(redis == null ? [] : [['redis-server used_memory', '', '', (redis.usedBytes / MIB).toFixed(0), (redis.usedBytes / ENTRIES).toFixed(0), '', (redis.fillMs / 1000).toFixed(1)]])
])
const vsRedis = redis == null ? undefined : mesh.totalBytes / redis.usedBytes
const fillVsLru = mesh.fillMs / lru.fillMs
if (vsRedis == null) console.log('redis-server is not installed and cannot be: no Redis row')
else console.log(`target ≤ 1.0× Redis: meshcache ${fmt.ratio(vsRedis)} Redis' used_memory (${fmt.ratio(mesh.totalBytes / lru.totalBytes)} lru-cache's)`)
console.log(`target ≤ 2× lru-cache's fill: meshcache's setMany fill ${fmt.ratio(fillVsLru)}`)
console.log(`wrote ${writeResult('memory', { entries: ENTRIES, valueBytes: VALUE_BYTES, rows, redis, vsRedis, fillVsLru })}`)
