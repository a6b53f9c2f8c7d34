/**
 * Suite 7 — scale. Meshes of 32 peers (4 processes) and 100 peers (8
 * processes), every peer started at once, plus one process holding a single
 * peer that is SIGKILLed at the end. Reported per mesh: time to full
 * membership after the last peer started and from the first start, idle CPU
 * (all processes, and per peer, from 2 s after the last newcomer's last view
 * swap), heartbeat bytes received per peer per
 * second, and the time until every peer declared the killed one dead. The
 * 32-peer mesh also runs a 90/10 get/set load from every peer (100 B values
 * over 10 000 keys, near cache on), against the same load from 4 peers (one
 * per process) in the same run.
 */
import { SYNC_AFTER_MS } from '../src/rebalance/join.js'
import { startChild, stopChild } from './lib/child.js'
import { fmt, percentile, printTable, writeResult } from './lib/measure.js'
import type { Started } from './lib/child.js'
import type { LoopResult } from './lib/measure.js'

const LOAD_MS = Number(process.env.BENCH_LOAD_MS ?? 5_000)
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000)
const IN_FLIGHT_PER_PROCESS = 64
const script = new URL('./scale-peers.js', import.meta.url)

interface MeshFigures {
  peers: number
  processes: number
  /** From the first peer's start until every peer saw every member. */
  startMs: number
  /** From the last peer's start until every peer saw every member. */
  membershipMs: number
  membersSeen: number
  idleCores: number
  heartbeatBytesPerPeerPerSec: number
  deadAfterMs: number
  /** Peers started again after they could not reach their seed. */
  restarts: number
  load?: { opsPerSec: number, p50Ms: number, p99Ms: number, errors: number, ops: number }
}

type Child = Started<{ seeds?: string[], started?: number, peerIds?: string[], restarts?: number }>

async function run (processes: number, peers: number, withLoad: boolean): Promise<MeshFigures> {
  const mesh = `bench-scale-${peers}-${process.pid}`
  const children: Child[] = []
  const t0 = Date.now()
  try {
    // The seed process's first peer comes up alone; then every other peer at once.
    const regular = peers - 1
    const share = (i: number): number => Math.floor(regular / processes) + (i < regular % processes ? 1 : 0)
    const seed: Child = await startChild(script, [JSON.stringify({ peers: share(0), mesh, bootstrap: [] })], 300_000)
    children.push(seed)
    const bootstrap = seed.ready.seeds!
    const others = await Promise.all([
      ...Array.from({ length: processes - 1 }, async (_, i) => startChild(script, [JSON.stringify({ peers: share(i + 1), mesh, bootstrap })], 300_000)),
      startChild(script, [JSON.stringify({ peers: 1, mesh, bootstrap })], 300_000)
    ]) as Child[]
    children.push(...others)
    const seedStarted = await seed.next<{ started: number, restarts: number }>()
    const lastStarted = Math.max(seedStarted.started, ...others.map(c => c.ready.started!))
    const restarts = seedStarted.restarts + others.reduce((a, c) => a + (c.ready.restarts ?? 0), 0)
    for (const child of children) child.send({ op: 'members', total: peers, timeoutMs: 90_000 })
    const seen = await Promise.all(children.map(async c => c.next<{ members: number, at: number }>()))
    // Reported, not thrown: a view that stays short is a figure this suite exists to show.
    const membersSeen = Math.min(...seen.map(s => s.members))
    const fullAt = membersSeen >= peers ? Math.max(...seen.map(s => s.at)) : NaN

    // Idle means formed: the last newcomer's view swaps (join.ts) are part of its join.
    const formedAt = lastStarted + SYNC_AFTER_MS[SYNC_AFTER_MS.length - 1] + 2_000
    await new Promise(resolve => setTimeout(resolve, Math.max(0, formedAt - Date.now())))
    for (const child of children) child.send({ op: 'idle', ms: IDLE_MS })
    const idle = await Promise.all(children.map(async c => c.next<{ cpuMs: number, heartbeatBytes: number, peers: number }>()))
    const idleCores = idle.reduce((a, r) => a + r.cpuMs, 0) / IDLE_MS
    const heartbeatBytesPerPeerPerSec = idle.reduce((a, r) => a + r.heartbeatBytes, 0) / peers / (IDLE_MS / 1000)

    let load: MeshFigures['load']
    const survivors = children.slice(0, -1)
    if (withLoad) {
      for (const child of survivors) child.send({ op: 'load', ms: LOAD_MS, inFlight: IN_FLIGHT_PER_PROCESS })
      const results = (await Promise.all(survivors.map(async c => c.next<{ results: LoopResult[] }>()))).flatMap(r => r.results)
      load = loadFigures(results)
    }

    const victim = children[children.length - 1]
    for (const child of survivors) child.send({ op: 'watch', peerId: victim.ready.peerIds![0], timeoutMs: 30_000 })
    await Promise.all(survivors.map(async c => c.next<{ watching: boolean }>()))
    const killedAt = Date.now()
    victim.child.kill('SIGKILL')
    const dead = await Promise.all(survivors.map(async c => c.next<{ at: number | null }>()))
    console.log(`scale: ${peers} peers done in ${Date.now() - t0} ms`)
    return {
      peers,
      processes,
      startMs: fullAt - t0,
      membershipMs: fullAt - lastStarted,
      membersSeen,
      idleCores,
      heartbeatBytesPerPeerPerSec,
      // A peer that never dropped it sends NaN, which JSON carries as null.
      deadAfterMs: Math.max(...dead.map(d => d.at ?? NaN)) - killedAt,
      restarts,
      load
    }
  } finally {
    for (const child of children) if (child.child.exitCode == null && child.child.signalCode == null) child.send({ op: 'stop' })
    await Promise.all(children.map(async c => stopChild(c.child, 15_000)))
  }
}

function loadFigures (results: LoopResult[]): NonNullable<MeshFigures['load']> {
  // Percentiles over all peers: each peer's own p50, weighted alike; the worst peer's p99.
  const p50s = Float64Array.from(results.map(r => r.p50Ms)).sort()
  return {
    opsPerSec: results.reduce((a, r) => a + r.opsPerSec, 0),
    p50Ms: percentile(p50s, 50),
    p99Ms: Math.max(...results.map(r => r.p99Ms)),
    errors: results.reduce((a, r) => a + r.errors, 0),
    ops: results.reduce((a, r) => a + r.ops, 0)
  }
}

const only = process.env.BENCH_SCALE_PEERS
const small = await run(3, 4, true)
const meshes = [await run(4, 32, true), await run(8, only === '32' ? 32 : 100, false)]
console.log(`scale: every peer started at once (plus one process with the peer SIGKILLed at the end); idle measured over ${IDLE_MS} ms`)
const ms = (v: number, within = '90 s'): string => Number.isNaN(v) ? `not within ${within}` : fmt.int(v)
printTable(['peers', 'processes', 'start to full membership ms', 'last start to full ms', 'fewest members seen', 'idle cores (all)', 'idle cores per peer', 'heartbeat B/s per peer', 'SIGKILLed peer dead after ms', 'peers restarted'],
  meshes.map(r => [r.peers, r.processes + 1, ms(r.startMs), ms(r.membershipMs), r.membersSeen, r.idleCores.toFixed(2), (r.idleCores / r.peers).toFixed(4), fmt.int(r.heartbeatBytesPerPeerPerSec), ms(r.deadAfterMs, '30 s'), r.restarts]))
const loaded = [small, meshes[0]]
printTable(['peers', 'ops/s (90/10)', 'p50 ms (median peer)', 'p99 ms (worst peer)', 'errors'],
  loaded.map(r => [r.peers, fmt.int(r.load!.opsPerSec), fmt.ms(r.load!.p50Ms), fmt.ms(r.load!.p99Ms), r.load!.errors]))
const [at32, at100] = meshes
console.log(`targets: 32 peers full ≤ 5 s after the last start: ${ms(at32.membershipMs)} ms; whole start ≤ 30 s: ${ms(at32.startMs)} ms; idle ≤ 0.2 cores: ${at32.idleCores.toFixed(2)}; ` +
  `100 peers full ≤ 30 s from the first start: ${ms(at100.startMs)} ms; dead ≤ 3 s at 32: ${ms(at32.deadAfterMs, '30 s')} ms`)
console.log(`32 peers vs 4 peers: throughput ${fmt.ratio(at32.load!.opsPerSec / small.load!.opsPerSec)}`)
console.log(`wrote ${writeResult('scale', { idleMs: IDLE_MS, loadMs: LOAD_MS, small, meshes, ratio: at32.load!.opsPerSec / small.load!.opsPerSec })}`)
process.exit(0)
