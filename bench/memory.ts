/**
 * Suite 5 — memory: 1 M entries of 100-byte values in one meshcache peer,
 * against lru-cache holding the same keys and values, each alone in a fresh
 * process (bench/memory-child.ts). Reports the heap and off-heap (array
 * buffer) growth per entry. Target: ≤ 300 MiB in total for meshcache.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fmt, printTable, writeResult } from './lib/measure.js'

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

const rows = [measure('lru'), measure('meshcache')].map(m => ({
  ...m,
  totalBytes: m.heapBytes + m.externalBytes,
  perEntry: (m.heapBytes + m.externalBytes) / m.entries
}))
const [lru, mesh] = rows
console.log(`memory: ${ENTRIES.toLocaleString('en-US')} entries of ${VALUE_BYTES} B, after GC; each value its own Uint8Array`)
printTable(['store', 'heap MiB', 'array buffers MiB', 'total MiB', 'bytes/entry', 'RSS MiB', 'fill s'],
  rows.map(r => [r.kind, (r.heapBytes / MIB).toFixed(0), (r.externalBytes / MIB).toFixed(0), (r.totalBytes / MIB).toFixed(0), r.perEntry.toFixed(0), (r.rssBytes / MIB).toFixed(0), (r.fillMs / 1000).toFixed(1)]))
console.log(`target ≤ 300 MiB: meshcache ${(mesh.totalBytes / MIB).toFixed(0)} MiB; ${fmt.ratio(mesh.totalBytes / lru.totalBytes)} lru-cache's`)
console.log(`wrote ${writeResult('memory', { entries: ENTRIES, valueBytes: VALUE_BYTES, rows, targetMiB: 300 })}`)
