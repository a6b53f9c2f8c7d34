/**
 * `npm start`: a small local mesh of three Node peers on 127.0.0.1. Prints
 * their addresses, runs a few operations through different peers, and keeps
 * serving until Ctrl-C, so other processes can join with `bootstrap`.
 */
import { createCache } from './index.js'
import type { MeshCache } from './index.js'

const listen = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws']
const short = (id: string): string => `…${id.slice(-6)}`

const first = await createCache({ mesh: 'demo', listen })
const seed = first.multiaddrs.filter(a => !a.includes('/ws'))
const peers: MeshCache[] = [first]
for (let i = 0; i < 2; i++) peers.push(await createCache({ mesh: 'demo', listen, bootstrap: seed }))

console.log('meshcache demo: 3 peers in mesh "demo"\n')
for (const [i, peer] of peers.entries()) {
  console.log(`peer ${i} ${peer.peerId}`)
  for (const addr of peer.multiaddrs) console.log(`  ${addr}`)
}
console.log(`\njoin from another process with: createCache({ mesh: 'demo', bootstrap: ['${seed[0]}'] })\n`)

const [a, b, c] = peers
await a.set('greeting', { text: 'hello from peer 0' })
console.log('peer 0  set greeting            owners:', a.ownersOf('greeting').map(short).join(', '))
console.log('peer 1  get greeting        →', JSON.stringify(await b.get('greeting')))
await c.set('session:42', 'short-lived', { ttlMs: 30_000 })
console.log('peer 2  set session:42 ttl 30 s; peer 0 ttl →', await a.ttl('session:42'), 'ms')
let loads = 0
const slowUpstream = async (key: string): Promise<string> => { loads++; await new Promise(resolve => setTimeout(resolve, 200)); return `loaded ${key}` }
const loaded = await Promise.all(peers.map(async p => p.getOrLoad('report', slowUpstream)))
console.log(`3 peers getOrLoad report    → ${JSON.stringify(loaded[0])} (loader ran ${loads}×)`)
console.log('peer 2  delete greeting     →', await c.delete('greeting'), '; peer 1 get →', await b.get('greeting'))
const status = await a.status()
console.log(`peer 0  status: ${status.members.length} members, ${status.keys} keys here, ${status.hits} hits, ${status.misses} misses`)
console.log('\nserving; Ctrl-C to stop')

const stop = async (): Promise<void> => {
  await Promise.allSettled(peers.map(async p => p.stop()))
  process.exit(0)
}
process.once('SIGINT', () => { void stop() })
process.once('SIGTERM', () => { void stop() })
