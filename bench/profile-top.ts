/**
 * Lists the functions with the most self time in a V8 .cpuprofile (as
 * `node --cpu-prof` writes), summed over every node of the same function.
 * `node dist/bench/profile-top.js FILE.cpuprofile [N]`. Percentages are of
 * the busy time: what the process spent outside `(idle)`.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

const [file, count = '25'] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: profile-top.js FILE.cpuprofile [N]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map(n => [n.id, n]))
// A sample's time is the delta to the next one; the last sample has none.
const selfUs = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i + 1] ?? 0
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta)
}
const byFunction = new Map<string, number>()
let busy = 0
let idle = 0
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame
  if (functionName === '(idle)') { idle += us; continue }
  busy += us
  const where = url === '' ? '' : ` ${url.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/dist\//, 'dist/')}:${lineNumber + 1}`
  const name = `${functionName === '' ? '(anonymous)' : functionName}${where}`
  byFunction.set(name, (byFunction.get(name) ?? 0) + us)
}
console.log(`${file}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`)
const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(count))
for (const [name, us] of top) console.log(`${(100 * us / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`)
