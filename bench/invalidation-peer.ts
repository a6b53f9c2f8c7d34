/**
 * One peer of the invalidation suite (bench/invalidation.ts), in its own
 * process: joins the mesh and prints, for every invalidation and every
 * baseline gossip message it receives, when it arrived on the shared clock.
 * A `cpu` line on stdin is answered with the CPU time this process has used.
 */
import { createInterface } from 'node:readline'
import { createCache } from '../node/index.js'

const { bootstrap, mesh } = JSON.parse(process.argv[2]) as { bootstrap: string[], mesh: string }
const cache = await createCache({ mesh, bootstrap, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 500 })
const now = (): number => performance.timeOrigin + performance.now()
// Lines leave once per turn: a write to stdout per event would cost more than the event.
let lines: string[] = []
const report = (line: object): void => {
  lines.push(JSON.stringify(line))
  if (lines.length === 1) {
    setImmediate(() => {
      process.stdout.write(lines.join('\n') + '\n')
      lines = []
    })
  }
}
cache.addEventListener('invalidate', evt => {
  const { key } = (evt as CustomEvent<{ key: string }>).detail
  report({ kind: 'inval', key, at: now() })
})
cache.subscribe('baseline', data => {
  report({ kind: 'gossip', key: data, at: now() })
})
process.on('SIGTERM', () => { void cache.stop().finally(() => process.exit(0)) })
console.log(JSON.stringify({ ready: true, peerId: cache.peerId }))
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'cpu') continue
  const { user, system } = process.cpuUsage()
  report({ kind: 'cpu', cpuUs: user + system })
}
