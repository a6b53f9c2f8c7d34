/**
 * The issue's targets, read back from the suites' JSON files, each as how far
 * it is met (≥ 1 = met) so the chart and the run's summary agree.
 */
import { existsSync, readFileSync } from 'node:fs'
import { RESULTS_DIR } from './measure.js'

export function load (suite: string): any {
  const file = `${RESULTS_DIR}${suite}.json`
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined
}

export interface Attainment { metric: string, attained: number, label: string }

/** Each target as "how far it is met": ≥ 1 means met, whether the metric should be high or low. */
export function attainments (): Attainment[] {
  const out: Attainment[] = []
  const higher = (metric: string, value: number | undefined, target: number, unit = '×'): void => {
    if (value != null && Number.isFinite(value)) out.push({ metric, attained: value / target, label: `${value.toFixed(2)}${unit} (target ≥ ${target}${unit})` })
  }
  const lower = (metric: string, value: number | undefined, target: number, unit: string): void => {
    if (value != null && Number.isFinite(value)) out.push({ metric, attained: target / value, label: `${value.toFixed(2)} ${unit} (target ≤ ${target} ${unit})` })
  }
  const none = (metric: string, count: number): void => {
    out.push({ metric, attained: count === 0 ? 1 : 0, label: `${count} (target 0)` })
  }
  const remote = load('remote')
  for (const t of Array.isArray(remote?.targets) ? remote.targets : []) higher(t.metric, t.value, t.target)
  if (remote?.errors != null) none('remote: errors and wrong values', remote.errors)
  const local = load('local')
  for (const row of local?.rows ?? []) higher(`${String(row.path)} ${String(row.call ?? 'await get')} hit vs lru-cache`, row.vsLru, 0.8)
  const inval = load('invalidation')
  lower('invalidation p99', inval?.invalidation.p99Ms, 5, 'ms')
  lower('receiver CPU per invalidation, under load', inval?.cpu?.underLoadUs, 20, 'µs')
  // One notice per write, 3 ms apart: what one message through libp2p's stack costs a listener.
  lower('receiver CPU per isolated write', inval?.cpu?.invalidationUs, 20, 'µs')
  const own = load('ownership')
  const at16 = own?.rows.find((r: any) => r.peers === 16 && r.virtualIds === own.virtualIds)
  lower('max/mean keys, 16 peers', at16?.maxOverMeanWorst, 1.15, '')
  for (const r of own?.rows.filter((r: any) => r.virtualIds === own.virtualIds) ?? []) lower(`moved on join, ${String(r.peers)} peers (×1/N)`, r.movedPrimary * r.peers, 1.2, '/N')
  const scale = load('scale')
  const [at32, at100] = scale?.meshes ?? []
  lower('32 peers: full membership after the last start', at32?.membershipMs / 1000, 5, 's')
  lower('32 peers: start to full membership', at32?.startMs / 1000, 30, 's')
  lower('32 peers: idle cores (all)', at32?.idleCores, 0.2, 'cores')
  lower('32 peers: SIGKILLed peer dropped everywhere', at32?.deadAfterMs / 1000, 3, 's')
  lower('100 peers: start to full membership', at100?.startMs / 1000, 30, 's')
  const mixed = load('mixed')
  higher('4-peer 90/10 mixed, cold vs Redis GET', mixed?.targets.cold, 0.8)
  higher('4-peer 90/10 mixed, warm vs Redis GET', mixed?.targets.warm, 0.8)
  const browser = load('browser')
  lower('8 tabs (namespace): idle browser', browser?.idle8?.totalCores, 0.3, 'cores')
  const demo = load('browser-demo')
  lower('8 tabs (demo URL): every member seen after load', demo?.membersMs / 1000, 10, 's')
  if (demo != null && demo.directMs == null) out.push({ metric: '8 tabs (demo URL): every pair direct after load', attained: 0, label: `${String(demo.directPairs)} pairs within the cap (target all ≤ 15 s)` })
  lower('8 tabs (demo URL): every pair direct after load', demo?.directMs / 1000, 15, 's')
  lower('8 tabs (demo URL): idle browser', demo?.idle?.totalCores, 0.3, 'cores')
  const memory = load('memory')
  lower('memory, 1 M × 100 B, vs redis-server', memory?.vsRedis, 1, '×')
  lower('fill 1 M with setMany, vs lru-cache', memory?.fillVsLru, 2, '×')
  const persist = load('persist')
  lower('restart with 1 M × 100 B on disk, until serving', persist?.restartMs / 1000, 5, 's')
  higher('sets with persist vs without (the lower of 64 000 keys and every key new)', persist?.vsWithout, 0.7)
  const http = load('http')
  for (const row of http?.rows ?? []) higher(`HTTP ${String(row.route)} vs bare fastify`, row.ratio, 0.8)
  return out
}

