/**
 * `npm start`: a relay and two Node peers on 127.0.0.1, mesh "demo", plus the
 * browser-tabs demo page. Open the printed URL in several tabs: each tab joins
 * the mesh through the relay. Runs a few operations first; Ctrl-C stops all.
 */
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import Fastify from 'fastify'
import { createCache } from './index.js'
import { startRelay } from './relay.js'
import type { MeshCache } from './index.js'

const mesh = 'demo'
const listen = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws']
const port = Number(process.env.PORT ?? 5173)
const short = (id: string): string => `…${id.slice(-6)}`

const relay = await startRelay({ mesh, listen })
const log = relay.libp2p.logger.forComponent('meshcache:demo')
const bootstrap = relay.multiaddrs.filter(a => !a.includes('/ws'))
const peers: MeshCache[] = [relay]
for (let i = 0; i < 2; i++) peers.push(await createCache({ mesh, listen, bootstrap }))

const page = Fastify()
await page.register(fastifyStatic, { root: fileURLToPath(new URL('../demo/', import.meta.url)) })
// PORT=0 takes any free port (the browser bench does): the URL names the one taken.
const site = await page.listen({ port, host: '127.0.0.1' })
const wsRelay = relay.multiaddrs.find(a => a.includes('/ws/'))!
const url = `${site}/?${new URLSearchParams({ bootstrap: wsRelay, mesh }).toString()}`

console.log(`meshcache demo: a relay and 2 Node peers in mesh "${mesh}"\n`)
for (const [i, peer] of peers.entries()) {
  console.log(`${i === 0 ? 'relay ' : `peer ${i}`} ${peer.peerId}`)
  for (const addr of peer.multiaddrs) console.log(`  ${addr}`)
}

const [a, b, c] = peers
await a.set('greeting', { text: 'hello from the relay' })
console.log('\nrelay   set greeting            owners:', a.ownersOf('greeting').map(short).join(', '))
console.log('peer 1  get greeting        →', JSON.stringify(await b.get('greeting')))
await c.set('session:42', 'short-lived', { ttlMs: 30_000 })
console.log('peer 2  set session:42 ttl 30 s; relay ttl →', await a.ttl('session:42'), 'ms')
let loads = 0
const slowUpstream = async (key: string): Promise<string> => { loads++; await new Promise(resolve => setTimeout(resolve, 200)); return `loaded ${key}` }
const loaded = await Promise.all(peers.map(async p => p.getOrLoad('report', slowUpstream)))
console.log(`3 peers getOrLoad report    → ${JSON.stringify(loaded[0])} (loader ran ${loads}×)`)
const status = await a.status()
console.log(`relay   status: ${status.members.length} members, ${status.keys} keys here, ${status.hits} hits, ${status.misses} misses`)

console.log(`\nopen this page in several browser tabs (each joins the mesh):\n  ${url}`)
console.log(`join from another process with: createCache({ mesh: '${mesh}', bootstrap: ['${bootstrap[0]}'] })`)
console.log('\nserving; Ctrl-C to stop')

const stop = async (): Promise<void> => {
  await page.close()
  const stopped = await Promise.allSettled(peers.map(async p => p.stop()))
  for (const [i, result] of stopped.entries()) {
    if (result.status === 'rejected') log.error('%s did not stop cleanly: %e', i === 0 ? 'the relay' : `peer ${i}`, result.reason)
  }
  process.exit(0)
}
process.once('SIGINT', () => { void stop() })
process.once('SIGTERM', () => { void stop() })
