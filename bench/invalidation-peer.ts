/**
 * One peer of the invalidation suite (bench/invalidation.ts), in its own
 * process: joins the mesh and notes, for every invalidation and every
 * baseline gossip message it receives, when it arrived on the shared clock.
 * Lines on stdin ask for what it has: `cpu` (the CPU time this process has
 * used), `count` (how many of each it heard), `dump` (the arrivals noted
 * since the last dump).
 */
import { createInterface } from 'node:readline'
import { createCache } from '../node/index.js'

const { bootstrap, mesh } = JSON.parse(process.argv[2]) as { bootstrap: string[], mesh: string }
const cache = await createCache({ mesh, bootstrap, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 500 })
const now = (): number => performance.timeOrigin + performance.now()
// Arrivals stay here until the suite asks for them: a line per event would
// make this process and the suite's own work on every write, competing with
// the peers being measured for the same 2 cores.
let arrivals: Array<[kind: string, key: string, at: number]> = []
const heard = { inval: 0, gossip: 0 }
cache.addEventListener('invalidate', evt => {
  arrivals.push(['inval', (evt as CustomEvent<{ key: string }>).detail.key, now()])
  heard.inval++
})
cache.subscribe('baseline', data => {
  arrivals.push(['gossip', String(data), now()])
  heard.gossip++
})
process.on('SIGTERM', () => { void cache.stop().finally(() => process.exit(0)) })
console.log(JSON.stringify({ ready: true, peerId: cache.peerId }))
for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim()
  if (command === 'cpu') {
    const { user, system } = process.cpuUsage()
    console.log(JSON.stringify({ kind: 'cpu', cpuUs: user + system }))
  } else if (command === 'count') {
    console.log(JSON.stringify({ kind: 'count', ...heard }))
  } else if (command === 'dump') {
    console.log(JSON.stringify({ kind: 'dump', arrivals }))
    arrivals = []
  }
}
