/**
 * What every suite measures the same way: a closed loop of N callers for a
 * fixed time, latency percentiles, a table on stdout and a JSON file in
 * bench/results/. Figures are compared as ratios within one run, never
 * against constants: the machine's speed varies ±2× with load.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const RESULTS_DIR = fileURLToPath(new URL('../../../bench/results/', import.meta.url))

export interface LoopResult {
  ops: number
  errors: number
  opsPerSec: number
  p50Ms: number
  p99Ms: number
}

/** Percentile of an ascending array (nearest rank). */
export function percentile (sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))
  return sorted[rank]
}

export function summarize (latencies: number[]): { p50Ms: number, p99Ms: number } {
  const sorted = Float64Array.from(latencies).sort()
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) }
}

/**
 * Runs `op` from `concurrency` callers back to back for `durationMs` after a
 * warm-up, counting completions, failures and each call's latency.
 */
export async function closedLoop (concurrency: number, durationMs: number, op: (worker: number, i: number) => Promise<unknown>, warmupMs = 300): Promise<LoopResult> {
  const latencies: number[] = []
  let errors = 0
  let measuring = false
  let until = performance.now() + warmupMs
  const run = async (worker: number): Promise<void> => {
    for (let i = 0; performance.now() < until; i++) {
      const start = performance.now()
      try {
        await op(worker, i)
        if (measuring) latencies.push(performance.now() - start)
      } catch {
        if (measuring) errors++
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => run(w)))
  measuring = true
  const started = performance.now()
  until = started + durationMs
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => run(w)))
  const elapsed = performance.now() - started
  return { ops: latencies.length, errors, opsPerSec: latencies.length / (elapsed / 1000), ...summarize(latencies) }
}

/** Prints rows as an aligned table; numbers are formatted by the caller. */
export function printTable (headers: string[], rows: Array<Array<string | number>>): void {
  const cells = [headers, ...rows.map(r => r.map(String))]
  const widths = headers.map((_, i) => Math.max(...cells.map(r => (r[i] ?? '').length)))
  for (const row of cells) console.log(row.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  '))
}

export function writeResult (suite: string, data: object): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const file = `${RESULTS_DIR}${suite}.json`
  writeFileSync(file, JSON.stringify({ suite, date: new Date().toISOString(), node: process.version, ...data }, null, 2) + '\n')
  return file
}

export const fmt = {
  int: (n: number): string => Math.round(n).toLocaleString('en-US'),
  ms: (n: number): string => n.toFixed(2),
  ratio: (n: number): string => n.toFixed(2) + '×'
}

/** A promise that rejects after `ms`, for bounding a whole phase. */
export async function within<T> (ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => { reject(new Error(`${what} took longer than ${ms} ms`)) }, ms) })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
