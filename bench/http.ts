/**
 * Suite 9 — HTTP API under Smache's published load: `ab -k -c 250 -n 20000`
 * against a meshcache peer's HTTP API (createHttpApi, a single-peer mesh) and
 * against bare fastify over a Map with the same routes and JSON shapes, each
 * served from its own process (bench/http-server.ts). POST /api with a JSON
 * body, then GET /api?key= of a key written first. Median of 3 runs per cell,
 * the two servers taking turns. Target: each route ≥ 0.8× bare fastify.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureAb, runAb } from './lib/ab.js'
import { startChild, stopChild } from './lib/child.js'
import { fmt, printTable, within, writeResult } from './lib/measure.js'
import type { AbFigures } from './lib/ab.js'
import type { Started } from './lib/child.js'

const CONCURRENCY = 250
const REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 20_000)
const RUNS = Number(process.env.BENCH_HTTP_RUNS ?? 3)
const WARMUP = REQUESTS
const AB_TIMEOUT_MS = 30_000
const TARGET = 0.8
const KEY = 'user:1815'
const BODY = JSON.stringify({ key: KEY, data: { name: 'Ada Lovelace', born: 1815, tags: ['mathematics', 'engines'], notes: null } })

type System = 'meshcache' | 'bare'
type Route = 'POST /api' | 'GET /api'
const SYSTEMS: System[] = ['meshcache', 'bare']
const ROUTES: Route[] = ['POST /api', 'GET /api']

if (!ensureAb()) {
  console.log('ab (apache2-utils) is not installed and cannot be: no HTTP figures')
  process.exit(1)
}

const dir = mkdtempSync(join(tmpdir(), 'meshcache-http-'))
const bodyFile = join(dir, 'body.json')
writeFileSync(bodyFile, BODY)
const servers = new Map<System, Started<{ port: number, node: string }>>()
const runs = new Map<string, AbFigures[]>()
try {
  for (const system of SYSTEMS) servers.set(system, await startChild(new URL('./http-server.js', import.meta.url), [system]))
  for (const system of SYSTEMS) await within(10_000, `${system}: first write and read`, check(system))

  const ab = async (system: System, route: Route, requests: number): Promise<AbFigures> => {
    const base = `http://127.0.0.1:${servers.get(system)!.ready.port}`
    // -r: a socket error counts as a failed request instead of ending the run.
    const args = ['-k', '-r', '-q', '-c', String(CONCURRENCY), '-n', String(requests)]
    if (route === 'POST /api') args.push('-p', bodyFile, '-T', 'application/json', `${base}/api`)
    else args.push(`${base}/api?key=${encodeURIComponent(KEY)}`)
    return runAb(args, AB_TIMEOUT_MS)
  }
  // Untimed: the JIT of both servers settles on the routes first.
  for (const route of ROUTES) for (const system of SYSTEMS) await ab(system, route, WARMUP)
  for (let run = 0; run < RUNS; run++) {
    for (const route of ROUTES) {
      // Turns alternate, so a neighbour's load falls on both alike.
      const order = run % 2 === 0 ? SYSTEMS : [...SYSTEMS].reverse()
      for (const system of order) {
        const cell = `${system} ${route}`
        runs.set(cell, [...runs.get(cell) ?? [], await ab(system, route, REQUESTS)])
      }
    }
  }
} finally {
  await Promise.all([...servers.values()].map(async s => stopChild(s.child)))
  rmSync(dir, { recursive: true, force: true })
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const summary = (figures: AbFigures[]): { requestsPerSec: number, p50Ms: number, p99Ms: number, failures: number, runs: AbFigures[] } => ({
  requestsPerSec: median(figures.map(f => f.requestsPerSec)),
  p50Ms: median(figures.map(f => f.p50Ms)),
  p99Ms: median(figures.map(f => f.p99Ms)),
  // Every run's, not the median's: one bad run must show.
  failures: figures.reduce((sum, f) => sum + f.failed + f.non2xx + (REQUESTS - f.complete), 0),
  runs: figures
})
const rows = ROUTES.map(route => {
  const meshcache = summary(runs.get(`meshcache ${route}`)!)
  const bare = summary(runs.get(`bare ${route}`)!)
  return { route, meshcache, bare, ratio: meshcache.requestsPerSec / bare.requestsPerSec }
})

console.log(`http: ab -k -c ${CONCURRENCY} -n ${REQUESTS} on 127.0.0.1, server and ab in separate processes, median of ${RUNS} runs`)
printTable(['route', 'meshcache req/s', 'p50 ms', 'p99 ms', 'bare fastify req/s', 'p50 ms', 'p99 ms', 'ratio', 'failures (mc/bare)'],
  rows.map(r => [r.route, fmt.int(r.meshcache.requestsPerSec), r.meshcache.p50Ms, r.meshcache.p99Ms,
    fmt.int(r.bare.requestsPerSec), r.bare.p50Ms, r.bare.p99Ms, fmt.ratio(r.ratio), `${r.meshcache.failures}/${r.bare.failures}`]))
for (const r of rows) {
  console.log(`${r.route} runs, req/s: meshcache ${r.meshcache.runs.map(f => fmt.int(f.requestsPerSec)).join(', ')}; bare ${r.bare.runs.map(f => fmt.int(f.requestsPerSec)).join(', ')}`)
}
console.log(`targets: ≥ ${TARGET}× bare fastify: ${rows.map(r => `${r.route} ${r.ratio.toFixed(2)}×`).join(', ')}`)
console.log(`wrote ${writeResult('http', { concurrency: CONCURRENCY, requests: REQUESTS, runs: RUNS, body: BODY, rows, target: TARGET })}`)
process.exit(rows.every(r => r.meshcache.failures === 0 && r.bare.failures === 0) ? 0 : 1)

/** Writes the key and reads it back, so the timed GETs hit; both servers must answer alike. */
async function check (system: System): Promise<void> {
  const { port, node } = servers.get(system)!.ready
  const base = `http://127.0.0.1:${port}/api`
  const expected = JSON.stringify({ ...JSON.parse(BODY), node })
  const posted = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY })
  const got = await fetch(`${base}?key=${encodeURIComponent(KEY)}`)
  for (const [what, res] of [['POST', posted], ['GET', got]] as const) {
    const text = await res.text()
    if (res.status !== 200 || text !== expected) throw new Error(`${system} ${what} /api answered ${res.status} ${text}, not ${expected}`)
  }
}
