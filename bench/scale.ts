/**
 * Suite 7 — scale: 32 Node peers in 4 processes (8 each): time until every
 * peer sees all 32 members, then a 90/10 get/set load from every peer (100 B
 * values over 10 000 keys, near cache on). Baseline in the same run: the same
 * load from 4 peers, one per process. Reported: ops/s, p50/p99, errors, and
 * the 32-peer throughput as a ratio of the 4-peer one (on 2 cores the work
 * per operation is what scales, not the core count).
 */
import { startChild, stopChild } from './lib/child.js'
import { fmt, percentile, printTable, writeResult } from './lib/measure.js'
import type { Started } from './lib/child.js'
import type { LoopResult } from './lib/measure.js'

const PROCESSES = 4
const LOAD_MS = Number(process.env.BENCH_LOAD_MS ?? 5_000)
const IN_FLIGHT_PER_PROCESS = 64

async function run (peersPerProcess: number): Promise<{ peers: number, membershipMs: number, membersSeen: number, opsPerSec: number, p50Ms: number, p99Ms: number, errors: number, ops: number }> {
  const mesh = `bench-scale-${peersPerProcess}-${process.pid}`
  const script = new URL('./scale-peers.js', import.meta.url)
  const total = PROCESSES * peersPerProcess
  const started = Date.now()
  const children: Array<Started<{ seeds: string[] }>> = []
  try {
    children.push(await startChild(script, [JSON.stringify({ peers: peersPerProcess, mesh, bootstrap: [] })], 150_000))
    const bootstrap = children[0].ready.seeds
    children.push(...await Promise.all(Array.from({ length: PROCESSES - 1 }, async () =>
      startChild<{ seeds: string[] }>(script, [JSON.stringify({ peers: peersPerProcess, mesh, bootstrap })], 150_000))))
    for (const child of children) child.send({ op: 'members', total, timeoutMs: 90_000 })
    const seen = await Promise.all(children.map(async c => c.next<{ members: number, at: number }>()))
    // Reported, not thrown: a view that stays short is a figure this suite exists to show.
    const membersSeen = Math.min(...seen.map(s => s.members))
    const membershipMs = membersSeen >= total ? Math.max(...seen.map(s => s.at)) - started : NaN
    for (const child of children) child.send({ op: 'load', ms: LOAD_MS, inFlight: IN_FLIGHT_PER_PROCESS })
    const loads = (await Promise.all(children.map(async c => c.next<{ results: LoopResult[] }>()))).flatMap(r => r.results)
    const ops = loads.reduce((a, r) => a + r.ops, 0)
    // Percentiles over all peers: each peer's own p50/p99, weighted by its ops, approximate them.
    const p = (f: (r: LoopResult) => number): number => percentile(Float64Array.from(loads.map(f)).sort(), 50)
    return { peers: total, membershipMs, membersSeen, opsPerSec: loads.reduce((a, r) => a + r.opsPerSec, 0), p50Ms: p(r => r.p50Ms), p99Ms: Math.max(...loads.map(r => r.p99Ms)), errors: loads.reduce((a, r) => a + r.errors, 0), ops }
  } finally {
    for (const child of children) child.send({ op: 'stop' })
    await Promise.all(children.map(async c => stopChild(c.child, 10_000)))
  }
}

const small = await run(1)
const large = await run(8)
console.log(`scale: ${PROCESSES} processes, 90/10 get/set for ${LOAD_MS} ms, ${IN_FLIGHT_PER_PROCESS} callers per process`)
printTable(['peers', 'full membership ms', 'fewest members seen', 'ops/s', 'p50 ms (median peer)', 'p99 ms (worst peer)', 'errors'],
  [small, large].map(r => [r.peers, Number.isNaN(r.membershipMs) ? 'not within 90 s' : fmt.int(r.membershipMs), r.membersSeen, fmt.int(r.opsPerSec), fmt.ms(r.p50Ms), fmt.ms(r.p99Ms), r.errors]))
console.log(`32 peers vs 4 peers: throughput ${fmt.ratio(large.opsPerSec / small.opsPerSec)}`)
console.log(`wrote ${writeResult('scale', { processes: PROCESSES, loadMs: LOAD_MS, rows: [small, large], ratio: large.opsPerSec / small.opsPerSec })}`)
process.exit(0)
