/**
 * Suite 10 — persist: 1 M entries of 100 B written to a persisted peer's
 * directory, then a fresh process started on it, timed from createCache
 * until it serves (every entry loaded); and `set` throughput (64 callers,
 * one peer, 100 B values) with persist against without, taking turns, three
 * times each, medians: over 64 000 keys written again and again (a cache's
 * usual load: the write-behind writes each key once per 250 ms), and every
 * key new (each set one more record on disk). Each step runs in a process
 * of its own (bench/persist-child.ts). Targets: serving ≤ 5 s after start;
 * sets with persist ≥ 0.7× without, on both loads.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, printTable, writeResult } from './lib/measure.js'

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000)
const SET_MS = Number(process.env.BENCH_DURATION_MS ?? 3_000)
const RUNS = 3
const child = fileURLToPath(new URL('./persist-child.js', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'meshcache-bench-persist-'))

function step<T> (...args: string[]): T {
  const run = spawnSync(process.execPath, ['--max-old-space-size=4096', child, ...args], { encoding: 'utf8', timeout: 600_000 })
  if (run.status !== 0) throw new Error(`persist ${args[0]} failed: ${run.stderr}`)
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as T
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

try {
  const dir = join(root, 'restart')
  const { fillMs } = step<{ fillMs: number }>('fill', dir, String(ENTRIES))
  const restarts = Array.from({ length: RUNS }, () => step<{ serveMs: number }>('restart', dir, String(ENTRIES)).serveMs)
  const pairs = (load: 'sets' | 'unique-sets'): { without: number[], withPersist: number[], ratio: number } => {
    const without: number[] = []
    const withPersist: number[] = []
    for (let i = 0; i < RUNS; i++) {
      without.push(step<{ opsPerSec: number }>(load, '-', String(SET_MS)).opsPerSec)
      withPersist.push(step<{ opsPerSec: number }>(load, join(root, `${load}-${i}`), String(SET_MS)).opsPerSec)
    }
    return { without, withPersist, ratio: median(withPersist.map((w, i) => w / without[i])) }
  }
  const rewrites = pairs('sets')
  const unique = pairs('unique-sets')
  const restartMs = median(restarts)
  const vsWithout = Math.min(rewrites.ratio, unique.ratio)
  const rows = (what: string, { without, withPersist, ratio }: ReturnType<typeof pairs>): string[][] => [
    [`sets/s without persist, ${what}`, fmt.int(median(without)), without.map(fmt.int).join(' ')],
    [`sets/s with persist, ${what}`, fmt.int(median(withPersist)), withPersist.map(fmt.int).join(' ')],
    [`with / without, ${what}`, fmt.ratio(ratio), withPersist.map((w, i) => fmt.ratio(w / without[i])).join(' ')]
  ]
  console.log(`persist: ${ENTRIES.toLocaleString('en-US')} entries of 100 B on disk (written in ${(fillMs / 1000).toFixed(1)} s); sets: 64 callers, one peer, ${SET_MS} ms per run, medians of ${RUNS}`)
  printTable(['measure', 'figure', 'runs'], [
    ['restart until serving', `${(restartMs / 1000).toFixed(2)} s`, restarts.map(ms => (ms / 1000).toFixed(2)).join(' ')],
    ...rows('64 000 keys', rewrites),
    ...rows('every key new', unique)
  ])
  console.log(`target ≤ 5 s to serve after a restart: ${(restartMs / 1000).toFixed(2)} s; target ≥ 0.7× sets without persist: ${fmt.ratio(rewrites.ratio)} (64 000 keys), ${fmt.ratio(unique.ratio)} (every key new)`)
  console.log(`wrote ${writeResult('persist', { entries: ENTRIES, fillMs, restarts, restartMs, rewrites, unique, vsWithout })}`)
} finally {
  rmSync(root, { recursive: true, force: true })
}
