/**
 * One process of the scale suite (bench/scale.ts): runs `peers` meshcache
 * peers and, on command (JSON lines on stdin), waits for full membership or
 * runs a 90/10 get/set load from all of them and prints its figures.
 */
import { createInterface } from 'node:readline'
import { createCache } from '../node/index.js'
import { closedLoop } from './lib/measure.js'
import type { MeshCache } from '../node/index.js'

const { peers, mesh, bootstrap } = JSON.parse(process.argv[2]) as { peers: number, mesh: string, bootstrap: string[] }
const options = { mesh, listen: ['/ip4/127.0.0.1/tcp/0'], requestTimeoutMs: 10_000 }
const caches: MeshCache[] = []
// The first peer of the first process seeds the mesh; the rest join through it.
caches.push(await createCache({ ...options, bootstrap }))
const seeds = bootstrap.length > 0 ? bootstrap : caches[0].multiaddrs
// One at a time, as a deployment rolls out: 31 simultaneous joins through one
// seed on 2 busy cores time out.
for (let i = 1; i < peers; i++) caches.push(await createCache({ ...options, bootstrap: seeds }))
console.log(JSON.stringify({ ready: true, seeds: caches[0].multiaddrs }))

const value = 'v'.repeat(100)
const KEYS = 10_000
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { op: 'members', total: number, timeoutMs: number } | { op: 'load', ms: number, inFlight: number } | { op: 'stop' }
  if (command.op === 'members') {
    const until = Date.now() + command.timeoutMs
    let seen = 0
    while (Date.now() < until) {
      seen = Math.min(...await Promise.all(caches.map(async c => (await c.status()).members.length)))
      if (seen >= command.total) break
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    console.log(JSON.stringify({ members: seen, at: Date.now() }))
  } else if (command.op === 'load') {
    // Every peer runs its own callers; 1 in 10 operations is a write.
    const perPeer = Math.max(1, Math.round(command.inFlight / caches.length))
    const results = await Promise.all(caches.map(async (cache, p) => closedLoop(perPeer, command.ms, async (w, i) => {
      const key = `key:${(p * 7919 + w * 104729 + i * 15485863) % KEYS}`
      return i % 10 === 0 ? cache.set(key, value) : cache.get(key)
    })))
    console.log(JSON.stringify({ results }))
  } else {
    await Promise.allSettled(caches.map(async c => c.stop()))
    process.exit(0)
  }
}
