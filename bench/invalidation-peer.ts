/**
 * One peer of the invalidation suite (bench/invalidation.ts), in its own
 * process: joins the mesh and prints, for every invalidation and every
 * baseline gossip message it receives, when it arrived on the shared clock.
 */
import { createCache } from '../node/index.js'

const { bootstrap, mesh } = JSON.parse(process.argv[2]) as { bootstrap: string[], mesh: string }
const cache = await createCache({ mesh, bootstrap, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 500 })
const now = (): number => performance.timeOrigin + performance.now()
cache.addEventListener('invalidate', evt => {
  const { key } = (evt as CustomEvent<{ key: string }>).detail
  console.log(JSON.stringify({ kind: 'inval', key, at: now() }))
})
cache.subscribe('baseline', data => {
  console.log(JSON.stringify({ kind: 'gossip', key: data, at: now() }))
})
console.log(JSON.stringify({ ready: true, peerId: cache.peerId }))
process.on('SIGTERM', () => { void cache.stop().finally(() => process.exit(0)) })
