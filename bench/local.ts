/**
 * Suite 2 — local and near hits over the same 10 000 keys of 100-character
 * strings: the synchronous `cache.peek(key)` against lru-cache's get, and
 * `await cache.get(key)` against an awaited lru-cache get (an async function
 * returning lru.get: what the promise alone costs). "local": a single-peer
 * mesh that owns the key; "near": a client peer reading another owner's key
 * from its near cache. Each path runs in processes of its own
 * (bench/local-child.ts), its lru-cache baseline first in the same process,
 * so neither path's JIT feedback shapes the other's; five processes per
 * path, the median ratio reported. Targets: each ≥ 0.8× its lru-cache
 * counterpart.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fmt, printTable, writeResult } from './lib/measure.js'

const RUNS = 5
const child = fileURLToPath(new URL('./local-child.js', import.meta.url))

interface Measured { path: 'local' | 'near', lruSync: number, lruAsync: number, peek: number, get: number }

function measure (path: Measured['path']): Measured {
  const run = spawnSync(process.execPath, [child, path], { encoding: 'utf8', timeout: 60_000 })
  if (run.status !== 0) throw new Error(`${path} run failed: ${run.stderr}`)
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Measured
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const rows = (['local', 'near'] as const).flatMap(path => {
  const runs = Array.from({ length: RUNS }, () => measure(path))
  const name = path === 'local' ? 'local (owner)' : 'near (client)'
  return [
    { path: name, call: 'peek', opsPerSec: median(runs.map(r => r.peek)), lru: median(runs.map(r => r.lruSync)), vsLru: median(runs.map(r => r.peek / r.lruSync)) },
    { path: name, call: 'await get', opsPerSec: median(runs.map(r => r.get)), lru: median(runs.map(r => r.lruAsync)), vsLru: median(runs.map(r => r.get / r.lruAsync)) }
  ]
})
console.log(`local/near hits: 10 000 keys, 100-char string values, one caller; peek against lru.get, await get against await (async () => lru.get()); medians of ${RUNS} processes per path`)
printTable(['path', 'call', 'meshcache/s', 'lru-cache/s', 'vs lru'],
  rows.map(r => [r.path, r.call, fmt.int(r.opsPerSec), fmt.int(r.lru), fmt.ratio(r.vsLru)]))
console.log(`target ≥ 0.8× lru-cache: ${rows.map(r => `${r.path} ${r.call} ${r.vsLru.toFixed(2)}×`).join(', ')}`)
console.log(`wrote ${writeResult('local', { runs: RUNS, rows, target: 0.8 })}`)
