/**
 * Suite 8 — mixed: 4 meshcache peers, one per process, on 127.0.0.1, with
 * default options (near cache on, default replicas, every peer an owner; the
 * first is the others' bootstrap). Timed once every peer sees 4 members and
 * the view swaps after the joins are over. Each peer runs 64 callers in a
 * closed loop, 90 % gets and 10 % sets of 100 B values over 10 000 keys
 * chosen uniformly, all 4 peers started by one command at once, in two
 * phases of BENCH_DURATION_MS each:
 * - cold: a keyspace no one has written, so gets miss until sets fill it;
 * - warm: a keyspace whose 10 000 keys were all written first.
 * Reported per phase: ops/s summed over the peers, p50 (median peer), p99
 * (worst peer), errors, and wrong values (a get that returned something no
 * peer wrote for that key: values carry their key, see mixed-peer.ts).
 * Baseline in the same run: redis-benchmark -c 64 GET of 100 B values.
 * Targets: cold and warm each ≥ 0.8× Redis GET; 0 errors, 0 wrong values.
 */
import { SYNC_AFTER_MS } from '../src/rebalance/join.js'
import { startChild, stopChild } from './lib/child.js'
import { fmt, percentile, printTable, within, writeResult } from './lib/measure.js'
import { ensureRedis, startRedis } from './lib/redis.js'
import type { Started } from './lib/child.js'
import type { LoopResult } from './lib/measure.js'
import type { RedisFigures } from './lib/redis.js'

const PEERS = 4
const CALLERS = 64
const KEYS = 10_000
const VALUE_BYTES = 100
const SET_SHARE = 0.1
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3_000)
/** An untimed phase of the same mix on a keyspace of its own, so the cold phase is not also the code's first run. */
const WARMUP_MS = 500
const TARGET = 0.8
const mesh = `bench-mixed-${process.pid}`
const script = new URL('./mixed-peer.js', import.meta.url)

interface Ready { peerId: string, multiaddrs: string[] }
interface PeerResult extends LoopResult {
  gets: number
  sets: number
  found: number
  wrong: number
  cpuMs: number
  /** The phase's span on process.hrtime's clock (µs), which --cpu-prof's timestamps share. */
  fromUs: number
  toUs: number
  status: { hits: number, misses: number, nearHits: number, nearMisses: number, invalidationGaps: number }
  errorSamples: Array<[string, number]>
}
interface Phase {
  phase: 'cold' | 'warm'
  opsPerSec: number
  /** Each peer's p50, the median of the 4. */
  p50Ms: number
  /** The worst peer's p99. */
  p99Ms: number
  ops: number
  errors: number
  wrong: number
  /** Share of gets that found a value. */
  foundShare: number
  /** Share of gets answered by the near cache (not counting an owner's own store). */
  nearShare: number
  /** CPU of the 4 peer processes over the phase, in cores. */
  cores: number
  fillMs?: number
  fillErrors?: number
  peers: PeerResult[]
}

const children: Array<Started<Ready>> = []
const phases: Phase[] = []
let redisGet: RedisFigures | undefined
let redisSet: RedisFigures | undefined
const t0 = Date.now()
try {
  const seed = await startChild<Ready>(script, [JSON.stringify({ mesh, bootstrap: [], index: 0 })], 60_000)
  children.push(seed)
  children.push(...await Promise.all(Array.from({ length: PEERS - 1 }, async (_, i) =>
    startChild<Ready>(script, [JSON.stringify({ mesh, bootstrap: seed.ready.multiaddrs, index: i + 1 })], 60_000))))
  const joinedAt = Date.now()
  /** Sends `command` to every peer at once and resolves with their answers. */
  const all = async <R>(command: object, timeoutMs: number, what: string): Promise<R[]> => {
    for (const child of children) child.send(command)
    return within(timeoutMs, what, Promise.all(children.map(async c => c.next<R>())))
  }
  const seen = await all<{ members: number }>({ op: 'members', total: PEERS, timeoutMs: 30_000 }, 40_000, 'membership')
  if (seen.some(s => s.members < PEERS)) throw new Error(`views short of ${PEERS} members after 30 s: ${seen.map(s => s.members).join(', ')}`)
  // Timed once the mesh is formed: the newcomers' view swaps (SYNC_AFTER_MS
  // after their join) are part of joining, as in the invalidation and scale suites.
  await new Promise(resolve => setTimeout(resolve, Math.max(0, joinedAt + SYNC_AFTER_MS[SYNC_AFTER_MS.length - 1] + 1_000 - Date.now())))

  const run = async (keyspace: string, ms: number, seed: number): Promise<PeerResult[]> =>
    all<PeerResult>({ op: 'run', keyspace, keys: KEYS, ms, inFlight: CALLERS, setShare: SET_SHARE, seed }, ms + 60_000, `the ${keyspace} phase`)
  const phaseOf = (phase: Phase['phase'], peers: PeerResult[], ms: number): Phase => {
    const sum = (f: (p: PeerResult) => number): number => peers.reduce((a, p) => a + f(p), 0)
    return {
      phase,
      opsPerSec: sum(p => p.opsPerSec),
      p50Ms: percentile(Float64Array.from(peers.map(p => p.p50Ms)).sort(), 50),
      p99Ms: Math.max(...peers.map(p => p.p99Ms)),
      ops: sum(p => p.ops),
      errors: sum(p => p.errors),
      wrong: sum(p => p.wrong),
      foundShare: sum(p => p.found) / Math.max(1, sum(p => p.gets)),
      nearShare: sum(p => p.status.nearHits) / Math.max(1, sum(p => p.gets)),
      cores: sum(p => p.cpuMs) / ms,
      peers
    }
  }

  await run('mixed-warmup', WARMUP_MS, 1)
  phases.push(phaseOf('cold', await run('mixed-cold', DURATION_MS, 2), DURATION_MS))
  const filled = await all<{ filled: number, errors: number, ms: number }>({ op: 'fill', keyspace: 'mixed-warm', keys: KEYS, peers: PEERS, inFlight: CALLERS }, 120_000, 'writing every key')
  if (filled.reduce((a, f) => a + f.filled, 0) !== KEYS) throw new Error('the peers did not write every key between them')
  const warm = phaseOf('warm', await run('mixed-warm', DURATION_MS, 3), DURATION_MS)
  warm.fillMs = Math.max(...filled.map(f => f.ms))
  warm.fillErrors = filled.reduce((a, f) => a + f.errors, 0)
  phases.push(warm)
} finally {
  await Promise.all(children.map(async c => stopChild(c.child, 15_000)))
}

// Redis once the peers are gone, so that it has the cores to itself as they had.
if (ensureRedis()) {
  const redis = await startRedis()
  try {
    const requests = Math.round(100_000 * DURATION_MS / 1000)
    redisSet = await redis.bench('set', VALUE_BYTES, requests) // the GETs then find 100 B values
    redisGet = await redis.bench('get', VALUE_BYTES, requests)
  } finally {
    await redis.stop()
  }
} else {
  console.log('redis-server is not installed and cannot be: the Redis columns stay empty')
}

const rows = phases.map(p => ({ ...p, redisGetOpsPerSec: redisGet?.opsPerSec, vsRedisGet: redisGet != null ? p.opsPerSec / redisGet.opsPerSec : undefined }))
console.log(`mixed: ${PEERS} peers in ${PEERS} processes on 127.0.0.1, ${CALLERS} callers each, ${Math.round((1 - SET_SHARE) * 100)}/${Math.round(SET_SHARE * 100)} get/set, ` +
  `${fmt.int(KEYS)} keys of ${VALUE_BYTES} B, ${DURATION_MS} ms per phase (${((Date.now() - t0) / 1000).toFixed(0)} s in all)`)
printTable(['phase', 'meshcache ops/s (sum)', 'p50 ms (median peer)', 'p99 ms (worst peer)', 'errors', 'wrong', 'gets found', 'redis GET ops/s', 'vs redis GET'],
  rows.map(r => [r.phase, fmt.int(r.opsPerSec), fmt.ms(r.p50Ms), fmt.ms(r.p99Ms), r.errors, r.wrong, `${(r.foundShare * 100).toFixed(1)}%`,
    r.redisGetOpsPerSec != null ? fmt.int(r.redisGetOpsPerSec) : '-', r.vsRedisGet != null ? fmt.ratio(r.vsRedisGet) : '-']))
for (const r of rows) {
  const samples = r.peers.flatMap(p => p.errorSamples)
  console.log(`${r.phase}: ${(r.nearShare * 100).toFixed(1)}% of gets from the near cache, peers' CPU ${r.cores.toFixed(2)} cores` +
    (r.fillMs != null ? `; writing the ${fmt.int(KEYS)} keys first took ${fmt.int(r.fillMs)} ms (${String(r.fillErrors)} errors)` : '') +
    (samples.length > 0 ? `; errors: ${samples.map(([what, n]) => `${n}× ${what}`).join('; ')}` : ''))
}
if (redisGet != null) console.log(`redis-benchmark -c 64 -d ${VALUE_BYTES}: GET ${fmt.int(redisGet.opsPerSec)} ops/s (p50 ${fmt.ms(redisGet.p50Ms)}, p99 ${fmt.ms(redisGet.p99Ms)} ms), SET ${fmt.int(redisSet!.opsPerSec)} ops/s`)
const cold = rows.find(r => r.phase === 'cold')
const warm = rows.find(r => r.phase === 'warm')
const targets = { target: TARGET, cold: cold?.vsRedisGet, warm: warm?.vsRedisGet, errors: rows.reduce((a, r) => a + r.errors, 0), wrong: rows.reduce((a, r) => a + r.wrong, 0) }
const ratio = (v: number | undefined): string => v != null ? fmt.ratio(v) : '-'
console.log(`targets: ≥ ${TARGET}× Redis GET: cold ${ratio(targets.cold)}, warm ${ratio(targets.warm)}; errors ${targets.errors} and wrong values ${targets.wrong} (target 0 and 0)`)
console.log(`wrote ${writeResult('mixed', {
  peers: PEERS, callersPerPeer: CALLERS, keys: KEYS, valueBytes: VALUE_BYTES, setShare: SET_SHARE, durationMs: DURATION_MS, rows, redis: { get: redisGet, set: redisSet }, targets
})}`)
process.exit(0)
