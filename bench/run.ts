/**
 * `npm run bench`: every suite in its own process, one after another (the
 * machine has 2 cores; suites must not share them), each bounded in time.
 * Then the chart, and a summary of the targets. Suites' tables go to stdout
 * as they run; their JSON lands in bench/results/.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { printTable } from './lib/measure.js'
import { attainments } from './lib/targets.js'

const dist = (file: string): string => fileURLToPath(new URL(file, import.meta.url))
const root = fileURLToPath(new URL('../../', import.meta.url))

const SUITES: Array<{ name: string, argv: string[], capS: number }> = [
  { name: '1 remote get/set', argv: [dist('./remote.js')], capS: 150 },
  { name: '2 local/near hit', argv: [dist('./local.js')], capS: 180 },
  { name: '3 invalidation', argv: [dist('./invalidation.js')], capS: 200 },
  { name: '4 balance and movement', argv: [dist('./ownership.js')], capS: 60 },
  { name: '5 memory', argv: [dist('./memory.js')], capS: 150 },
  // Chromium needs an interface other than loopback for WebRTC: the suite runs in a network namespace.
  { name: '6 browser', argv: [`${root}test/browser/netns.mjs`, process.execPath, dist('./browser.js')], capS: 300 },
  // As a user opens `npm start`'s demo: this host's own network, no namespace.
  { name: '6b browser, demo URL', argv: [dist('./browser-demo.js')], capS: 200 },
  { name: '7 scale', argv: [dist('./scale.js')], capS: 600 },
  { name: '8 mixed', argv: [dist('./mixed.js')], capS: 150 },
  // 16 ab runs of 20 000 requests (4 of them untimed) and two servers' start: ~15 s here.
  { name: '9 http', argv: [dist('./http.js')], capS: 120 },
  { name: '10 persist', argv: [dist('./persist.js')], capS: 300 }
]

const only = process.argv.slice(2)
const outcome: Array<[string, string, string]> = []
const started = performance.now()
for (const suite of SUITES) {
  if (only.length > 0 && !only.some(o => suite.name.includes(o))) continue
  console.log(`\n=== suite ${suite.name} (at most ${suite.capS} s)`)
  const t0 = performance.now()
  const code = await new Promise<number | string>(resolve => {
    const child = spawn(process.execPath, suite.argv, { stdio: 'inherit' })
    const timer = setTimeout(() => { child.kill('SIGTERM'); setTimeout(() => child.kill('SIGKILL'), 5_000) }, suite.capS * 1000)
    child.once('exit', (status, signal) => { clearTimeout(timer); resolve(status ?? signal ?? 'killed') })
  })
  outcome.push([suite.name, code === 0 ? 'ok' : `failed (${String(code)})`, ((performance.now() - t0) / 1000).toFixed(0)])
}
await new Promise(resolve => spawn(process.execPath, [dist('./chart.js')], { stdio: 'inherit' }).once('exit', resolve))

console.log(`\n=== summary (${((performance.now() - started) / 1000).toFixed(0)} s in all)`)
printTable(['suite', 'result', 'seconds'], outcome)
console.log('')
printTable(['target', 'measured', 'met'], attainments().map(a => [a.metric, a.label, a.attained >= 1 ? 'yes' : 'no']))
process.exit(outcome.every(([, result]) => result === 'ok') ? 0 : 1)
