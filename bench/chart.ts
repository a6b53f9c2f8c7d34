/**
 * Renders bench/results/summary.svg from the suites' JSON files with
 * Vega-Lite (compiled to Vega and drawn to SVG in Node, no browser or canvas
 * needed). A suite that has not run is left out of the chart.
 */
import { writeFileSync } from 'node:fs'
import * as vega from 'vega'
import { compile } from 'vega-lite'
import { RESULTS_DIR } from './lib/measure.js'
import { attainments, load } from './lib/targets.js'
import type { TopLevelSpec } from 'vega-lite'

function throughputRows (): Array<{ case: string, system: string, opsPerSec: number }> {
  const remote = load('remote')
  return (remote?.rows ?? []).flatMap((r: any) => [
    { case: `${String(r.op)} ${String(r.bytes)} B`, system: 'meshcache', opsPerSec: r.meshcache.opsPerSec },
    { case: `${String(r.op)} ${String(r.bytes)} B`, system: 'raw TCP', opsPerSec: r.raw.opsPerSec },
    ...(r.redis != null ? [{ case: `${String(r.op)} ${String(r.bytes)} B`, system: 'Redis', opsPerSec: r.redis.opsPerSec }] : [])
  ])
}

function latencyRows (): Array<{ path: string, percentile: string, ms: number }> {
  const rows: Array<{ path: string, percentile: string, ms: number }> = []
  const add = (path: string, p50?: number, p99?: number): void => {
    if (p50 != null && p99 != null) rows.push({ path, percentile: 'p50', ms: p50 }, { path, percentile: 'p99', ms: p99 })
  }
  const remote = load('remote')?.rows.find((r: any) => r.op === 'get' && r.bytes === 100)
  add('remote get, meshcache', remote?.meshcache.p50Ms, remote?.meshcache.p99Ms)
  add('remote get, Redis', remote?.redis?.p50Ms, remote?.redis?.p99Ms)
  add('remote get, raw TCP', remote?.raw.p50Ms, remote?.raw.p99Ms)
  const inval = load('invalidation')
  add('invalidation, 8 peers', inval?.invalidation.p50Ms, inval?.invalidation.p99Ms)
  add('bare gossip, 8 peers', inval?.gossip.p50Ms, inval?.gossip.p99Ms)
  const browser = load('browser')
  add('tab→tab get, WebRTC', browser?.getWebRTC?.p50, browser?.getWebRTC?.p99)
  add('tab→tab get, relay', browser?.getRelay?.p50, browser?.getRelay?.p99)
  return rows
}

const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: { text: 'meshcache benchmarks (npm run bench)', subtitle: `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, same machine and run for every baseline` },
  vconcat: [
    {
      title: 'Targets: a bar reaching the line (1) means met; capped at 2',
      width: 420,
      height: { step: 18 },
      data: { values: attainments() },
      layer: [
        { mark: 'bar', encoding: { y: { field: 'metric', type: 'nominal', sort: null, title: null, axis: { labelLimit: 300 } }, x: { field: 'attained', type: 'quantitative', scale: { domain: [0, 2], clamp: true }, title: 'attained (measured against target)' }, color: { condition: { test: 'datum.attained >= 1', value: '#4c9a2a' }, value: '#c0392b' } } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { y: { field: 'metric', type: 'nominal', sort: null }, x: { field: 'attained', type: 'quantitative', scale: { domain: [0, 2], clamp: true } }, text: { field: 'label' } } },
        { mark: { type: 'rule', strokeDash: [4, 3] }, data: { values: [{ one: 1 }] }, encoding: { x: { field: 'one', type: 'quantitative' } } }
      ]
    },
    {
      resolve: { scale: { color: 'independent' } },
      hconcat: [
        {
          title: 'Remote ops/s, 64 in flight',
          width: 280,
          height: { step: 9 },
          data: { values: throughputRows() },
          mark: 'bar',
          encoding: { y: { field: 'case', type: 'nominal', sort: null, title: null, axis: { labelLimit: 200 } }, yOffset: { field: 'system' }, x: { field: 'opsPerSec', type: 'quantitative', title: 'ops/s' }, color: { field: 'system', type: 'nominal' } }
        },
        {
          title: 'Latency (ms, log)',
          width: 240,
          height: { step: 12 },
          data: { values: latencyRows() },
          mark: 'bar',
          encoding: { y: { field: 'path', type: 'nominal', sort: null, title: null, axis: { labelLimit: 200 } }, yOffset: { field: 'percentile' }, x: { field: 'ms', type: 'quantitative', scale: { type: 'symlog' }, title: 'ms' }, color: { field: 'percentile', type: 'nominal' } }
        }
      ]
    }
  ]
}

const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
const file = `${RESULTS_DIR}summary.svg`
writeFileSync(file, await view.toSVG())
console.log(`wrote ${file}`)
