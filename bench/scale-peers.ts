/**
 * One process of the scale suite (bench/scale.ts): starts `peers` meshcache
 * peers at once and then, on command (JSON lines on stdin), waits for full
 * membership, measures its idle CPU and heartbeat traffic, watches for a
 * peer's death, or runs a 90/10 get/set load, and prints its figures.
 */
import { createInterface } from 'node:readline'
import { ErrorCodes, createCache } from '../node/index.js'
import { open } from '../src/util/envelope.js'
import { closedLoop } from './lib/measure.js'
import type { MeshCache, MeshCacheError } from '../node/index.js'

const { peers, mesh, bootstrap } = JSON.parse(process.argv[2]) as { peers: number, mesh: string, bootstrap: string[] }
// 100 peers starting at once on 2 cores wait long for their seed: a dial that
// times out (requestTimeoutMs) in all three seed rounds fails the process.
const options = { mesh, listen: ['/ip4/127.0.0.1/tcp/0'], requestTimeoutMs: 30_000 }
const caches: MeshCache[] = []
const MAX_STARTS = 3
// Without a bootstrap this process seeds the mesh: its first peer starts
// alone and says where it is, so the other processes can start at once.
if (bootstrap.length === 0) {
  caches.push(await createCache(options))
  console.log(JSON.stringify({ seeds: caches[0].multiaddrs }))
}
const seeds = bootstrap.length > 0 ? bootstrap : caches[0].multiaddrs
// A peer that cannot reach its seed (ERR_UNAVAILABLE after three rounds) is
// started again, as a deployment's restart policy would: counted, not fatal.
let restarts = 0
async function start (): Promise<MeshCache> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createCache({ ...options, bootstrap: seeds })
    } catch (err) {
      if ((err as MeshCacheError).code !== ErrorCodes.UNAVAILABLE || attempt >= MAX_STARTS) throw err
      restarts++
    }
  }
}
caches.push(...await Promise.all(Array.from({ length: peers - caches.length }, async () => start())))
console.log(JSON.stringify({ started: Date.now(), peerIds: caches.map(c => c.peerId), restarts }))

const topic = `meshcache/${mesh}/members/1`
const heartbeat = { bytes: 0, messages: 0 }
for (const cache of caches) {
  cache.libp2p.services.pubsub.addEventListener('gossipsub:message', evt => {
    if (evt.detail.msg.topic !== topic || typeof open(topic, evt.detail.msg.data) === 'string') return
    heartbeat.bytes += evt.detail.msg.data.byteLength
    heartbeat.messages++
  })
}

// A graceful exit on SIGTERM too (stopChild's), so a child run under --cpu-prof writes its profile.
process.once('SIGTERM', () => { void Promise.allSettled(caches.map(async c => c.stop())).finally(() => process.exit(0)) })

const value = 'v'.repeat(100)
const KEYS = 10_000
type Command = { op: 'members', total: number, timeoutMs: number } | { op: 'idle', ms: number } | { op: 'watch', peerId: string, timeoutMs: number } |
{ op: 'load', ms: number, inFlight: number } | { op: 'stop' }
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command
  if (command.op === 'members') {
    const until = Date.now() + command.timeoutMs
    let seen = 0
    while (Date.now() < until) {
      seen = Math.min(...await Promise.all(caches.map(async c => (await c.status()).members.length)))
      if (seen >= command.total) break
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    console.log(JSON.stringify({ members: seen, at: Date.now() }))
  } else if (command.op === 'idle') {
    const before = { cpu: process.cpuUsage(), ...heartbeat }
    await new Promise(resolve => setTimeout(resolve, command.ms))
    const cpu = process.cpuUsage(before.cpu)
    console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, heartbeatBytes: heartbeat.bytes - before.bytes, heartbeats: heartbeat.messages - before.messages, peers: caches.length }))
  } else if (command.op === 'watch') {
    // Resolves once every peer here has dropped the member (or at the timeout).
    const { peerId, timeoutMs } = command
    const gone = caches.map(async cache => new Promise<number>(resolve => {
      const timer = setTimeout(() => { resolve(NaN) }, timeoutMs)
      cache.addEventListener('member:leave', evt => {
        if ((evt as CustomEvent).detail.peerId !== peerId) return
        clearTimeout(timer)
        resolve(Date.now())
      })
    }))
    console.log(JSON.stringify({ watching: true }))
    console.log(JSON.stringify({ at: Math.max(...await Promise.all(gone)) }))
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
