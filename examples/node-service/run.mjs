// One-command demo: a slow upstream, 3 service instances sharing one meshcache
// mesh, 1000 requests round-robin over the instances — once with the cache,
// once without — and a table of upstream calls, hit ratio and wall time.
//
//   npm run build && node examples/node-service/run.mjs
//        [--requests 1000] [--ids 100] [--concurrency 16] [--instances 3]
//        [--dist zipf|uniform] [--seed 42] [--delay 50]
//
// Exits 0 when every response was the right item and, with the cache, the
// upstream saw at most one call per distinct id; 1 otherwise.
import { isDeepStrictEqual, parseArgs } from 'node:util'
import { startUpstream, itemFor } from './upstream.mjs'
import { startService } from './service.mjs'

const { values: opt } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    ids: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    instances: { type: 'string', default: '3' },
    dist: { type: 'string', default: 'zipf' },
    seed: { type: 'string', default: '42' },
    delay: { type: 'string', default: '50' }
  }
})
const REQUESTS = Number(opt.requests)
const IDS = Number(opt.ids)
const CONCURRENCY = Number(opt.concurrency)
const INSTANCES = Number(opt.instances)
const SEED = Number(opt.seed)
const REQUEST_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 10_000
const WATCHDOG_MS = 90_000
if (!['zipf', 'uniform'].includes(opt.dist)) throw new Error('--dist is zipf or uniform')

// Nothing below may hang the demo: past the watchdog it says where it was and exits 1.
let phase = 'starting the upstream'
const progress = { sent: 0, answered: 0 }
setTimeout(() => {
  console.error(`run.mjs: still running after ${WATCHDOG_MS / 1000} s while ${phase} ` +
    `(${progress.sent} requests sent, ${progress.answered} answered) — giving up`)
  process.exit(1)
}, WATCHDOG_MS).unref()

// ---- the workload: a seeded sequence of ids ---------------------------------
function mulberry32 (seed) {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
/** Zipf with s = 1: id k (1-based rank) is drawn with probability ∝ 1/k. */
function workload (n, ids, dist, seed) {
  const random = mulberry32(seed)
  const cdf = []
  let sum = 0
  for (let k = 1; k <= ids; k++) { sum += dist === 'zipf' ? 1 / k : 1; cdf.push(sum) }
  return Array.from({ length: n }, () => {
    const r = random() * sum
    let lo = 0; let hi = ids - 1
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid] < r) lo = mid + 1; else hi = mid }
    return String(1000 + lo) // item ids 1000..1099
  })
}

// ---- helpers ---------------------------------------------------------------
function withTimeout (promise, ms, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms) })
  ]).finally(() => clearTimeout(timer))
}

/** Sends the ids round-robin over the service URLs, at most `concurrency` in flight. */
async function drive (urls, ids, concurrency) {
  const outcome = { ok: 0, wrong: 0, failed: 0, firstProblem: undefined }
  let next = 0
  progress.sent = progress.answered = 0
  async function worker () {
    while (next < ids.length) {
      const i = next++
      const id = ids[i]
      progress.sent++
      try {
        const res = await fetch(`${urls[i % urls.length]}/items/${id}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
        const body = await res.json()
        if (res.ok && isDeepStrictEqual(body, itemFor(id))) outcome.ok++
        else { outcome.wrong++; outcome.firstProblem ??= `request ${i} (id ${id}): ${res.status} ${JSON.stringify(body)}` }
      } catch (err) {
        outcome.failed++
        outcome.firstProblem ??= `request ${i} (id ${id}): ${err.message}`
      }
      progress.answered++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return outcome
}

/** Starts the instances into `services` (so whatever started can be stopped even if a later one fails). */
async function startInstances (services, upstreamUrl, useCache, mesh) {
  const first = await startService({ upstreamUrl, mesh, useCache })
  services.push(first)
  const bootstrap = useCache ? [first.multiaddrs[0]] : []
  for (let i = 1; i < INSTANCES; i++) services.push(await startService({ upstreamUrl, mesh, bootstrap, useCache }))
}

async function stopInstances (services) {
  // One at a time, newest first: each graceful stop hands its keys to peers still running.
  let failure
  for (const s of services.slice().reverse()) {
    await withTimeout(s.close(), STOP_TIMEOUT_MS, `stopping ${s.url}`).catch(err => { failure ??= err })
  }
  if (failure !== undefined) throw failure
}

async function runOnce (upstream, useCache, ids) {
  const mesh = `node-service-demo-${process.pid}`
  const label = useCache ? 'with cache' : 'without cache'
  phase = `starting ${INSTANCES} instances (${label})`
  const startedAt = performance.now()
  const services = []
  try {
    await withTimeout(startInstances(services, upstream.url, useCache, mesh), 30_000, 'starting the services')
    const startupMs = performance.now() - startedAt
    upstream.reset()
    phase = `sending requests (${label})`
    const t0 = performance.now()
    const outcome = await drive(services.map(s => s.url), ids, CONCURRENCY)
    const wallMs = performance.now() - t0
    phase = `reading /stats (${label})`
    const perInstance = await Promise.all(services.map(s => s.stats()))
    const hits = perInstance.reduce((n, s) => n + s.hits, 0)
    return { label, useCache, startupMs, wallMs, outcome, upstream: upstream.stats(), hits, perInstance }
  } finally {
    phase = `stopping the instances (${label})`
    await stopInstances(services)
  }
}

// ---- main --------------------------------------------------------------------
const ids = workload(REQUESTS, IDS, opt.dist, SEED)
const distinct = new Set(ids).size
const distLabel = opt.dist === 'zipf' ? 'Zipf s=1' : 'uniform'
console.log(`${REQUESTS} requests, ${distLabel} over ${IDS} ids (seed ${SEED}; ${distinct} distinct ids drawn), ` +
  `round-robin over ${INSTANCES} instances, ${CONCURRENCY} in flight, upstream delay ${opt.delay} ms`)

let exitCode = 0
const upstream = await startUpstream({ delayMs: Number(opt.delay) })
const rows = []
try {
  for (const useCache of [true, false]) {
    const row = await runOnce(upstream, useCache, ids)
    rows.push(row)
    console.log(`  ${row.label}: done (mesh/servers up in ${(row.startupMs / 1000).toFixed(2)} s)`)
  }
} catch (err) {
  console.error('run failed:', err)
  exitCode = 1
} finally {
  phase = 'stopping the upstream'
  await withTimeout(upstream.close(), STOP_TIMEOUT_MS, 'stopping the upstream').catch(err => { console.error(err.message); exitCode = 1 })
}

if (rows.length > 0) {
  const pad = (s, n) => String(s).padStart(n)
  const header = `${'run'.padEnd(14)}${pad('requests', 10)}${pad('upstream calls', 16)}${pad('cache hits', 12)}${pad('hit ratio', 11)}${pad('wall time', 11)}`
  console.log('\n' + header)
  console.log('-'.repeat(header.length))
  for (const r of rows) {
    console.log(`${r.label.padEnd(14)}${pad(REQUESTS, 10)}${pad(r.upstream.calls, 16)}${pad(r.hits, 12)}` +
      `${pad((100 * r.hits / REQUESTS).toFixed(1) + '%', 11)}${pad((r.wallMs / 1000).toFixed(2) + ' s', 11)}`)
  }
  const cached = rows.find(r => r.useCache)
  if (cached != null) {
    console.log(`\nwith cache, per instance (meshcache status(): a getOrLoad that ran the loader is a miss, any other answer a hit):`)
    cached.perInstance.forEach((s, i) => {
      console.log(`  instance ${i}: ${pad(s.requests, 4)} requests, ${pad(s.hits, 4)} served without loading, ${pad(s.upstreamCalls, 3)} upstream calls | ` +
        `status: hits ${s.cache.hits}, misses ${s.cache.misses}, loads ${s.cache.loads}, keys held ${s.cache.keys}, near-cache hits ${s.cache.near.hits}`)
    })
  }
  for (const r of rows) {
    const o = r.outcome
    if (o.wrong + o.failed > 0) {
      console.error(`PROBLEM (${r.label}): ${o.ok} right, ${o.wrong} wrong, ${o.failed} failed; first: ${o.firstProblem}`)
      exitCode = 1
    }
  }
  if (cached != null) {
    const { calls, distinctIds, maxCallsPerId } = cached.upstream
    if (calls > distinct || maxCallsPerId > 1) {
      console.error(`PROBLEM (with cache): ${calls} upstream calls for ${distinct} distinct ids (${distinctIds} ids loaded, up to ${maxCallsPerId} calls for one id)`)
      exitCode = 1
    } else {
      console.log(`\nwith cache: ${calls} upstream calls for ${distinct} distinct ids — each loaded once mesh-wide`)
    }
  }
}
process.exitCode = exitCode
// Everything is stopped; should some handle still hold the process open, say so and leave.
setTimeout(() => { console.error('run.mjs: a handle is still open after stopping everything; exiting anyway'); process.exit(exitCode) }, 3_000).unref()
