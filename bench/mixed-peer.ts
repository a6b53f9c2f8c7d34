/**
 * One peer of the mixed suite (bench/mixed.ts), in its own process: a
 * meshcache peer with default options (near cache on, default replicas, role
 * owner). Prints one JSON line when it has joined, then answers commands
 * (JSON lines on stdin), each with one JSON line: `members` (waits until its
 * view holds `total` members), `fill` (writes its share of a keyspace's
 * keys), `run` (a 90/10 get/set closed loop over a keyspace), `stop`.
 *
 * Every value says which key it was written for: bytes 0-3 hold the key's
 * index, byte 4 the writing peer, bytes 5-8 the writer's sequence number, and
 * the rest a pattern of those three. A get that returns anything else for a
 * key (another key's value, a truncated or altered one, not bytes at all)
 * counts as a wrong value.
 */
import { createInterface } from 'node:readline'
import { createCache, isMeshCacheError } from '../node/index.js'
import { closedLoop } from './lib/measure.js'
import { prng } from './prng.js'
import type { Value } from '../node/index.js'

const VALUE_BYTES = 100
const HEADER_BYTES = 9

const { mesh, bootstrap, index } = JSON.parse(process.argv[2]) as { mesh: string, bootstrap: string[], index: number }
const cache = await createCache({ mesh, bootstrap, listen: ['/ip4/127.0.0.1/tcp/0'] })

const filler = (key: number, writer: number, seq: number, j: number): number => (key * 7 + writer * 31 + seq * 13 + j) & 0xff

let seq = 0
/** A fresh value for key `key`, written by this peer. */
function valueFor (key: number): Uint8Array {
  const value = new Uint8Array(VALUE_BYTES)
  const view = new DataView(value.buffer)
  const s = seq++ >>> 0
  view.setUint32(0, key)
  value[4] = index
  view.setUint32(5, s)
  for (let j = HEADER_BYTES; j < VALUE_BYTES; j++) value[j] = filler(key, index, s, j)
  return value
}

/** Whether `value` is one some peer wrote for key `key`. */
function isValueOf (key: number, value: Value): boolean {
  if (!(value instanceof Uint8Array) || value.byteLength !== VALUE_BYTES) return false
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  if (view.getUint32(0) !== key) return false
  const writer = value[4]
  const s = view.getUint32(5)
  for (let j = HEADER_BYTES; j < VALUE_BYTES; j++) if (value[j] !== filler(key, writer, s, j)) return false
  return true
}

const keyName = (key: number): string => `k:${key}`
/** The first few distinct error codes or messages, for the suite to print. */
const errorSamples = new Map<string, number>()
const noteError = (err: unknown): void => {
  const what = isMeshCacheError(err) ? `${err.code}: ${err.message}` : String(err)
  if (errorSamples.has(what) || errorSamples.size < 5) errorSamples.set(what, (errorSamples.get(what) ?? 0) + 1)
}

interface Counts { hits: number, misses: number, nearHits: number, nearMisses: number, invalidationGaps: number }
async function counts (): Promise<Counts> {
  const s = await cache.status()
  return { hits: s.hits, misses: s.misses, nearHits: s.near.hits, nearMisses: s.near.misses, invalidationGaps: s.invalidationGaps }
}

type Command = { op: 'members', total: number, timeoutMs: number } |
{ op: 'fill', keyspace: string, keys: number, peers: number, inFlight: number } |
{ op: 'run', keyspace: string, keys: number, ms: number, inFlight: number, setShare: number, seed: number } |
{ op: 'stop' }

let stopping: Promise<void> | undefined
/** Stops the peer (bounded, so a hung handoff cannot keep a --cpu-prof profile from being written) and exits. */
async function stop (): Promise<void> {
  stopping ??= (async () => {
    const timer = setTimeout(() => { process.exit(0) }, 10_000)
    await cache.stop().catch((err: Error) => { console.error(`mixed peer: stopping failed: ${err.message}`) })
    clearTimeout(timer)
    process.exit(0)
  })()
  return stopping
}
process.once('SIGTERM', () => { void stop() })

console.log(JSON.stringify({ peerId: cache.peerId, multiaddrs: cache.multiaddrs }))
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command
  if (command.op === 'members') {
    const until = Date.now() + command.timeoutMs
    let seen = (await cache.status()).members.length
    while (seen < command.total && Date.now() < until) {
      await new Promise(resolve => setTimeout(resolve, 50))
      seen = (await cache.status()).members.length
    }
    console.log(JSON.stringify({ members: seen, at: Date.now() }))
  } else if (command.op === 'fill') {
    // This peer writes the keys whose index is its own modulo the peer count.
    const space = cache.keyspace(command.keyspace)
    const mine: number[] = []
    for (let k = index; k < command.keys; k += command.peers) mine.push(k)
    let next = 0
    let errors = 0
    const t0 = performance.now()
    await Promise.all(Array.from({ length: command.inFlight }, async () => {
      while (next < mine.length) {
        const key = mine[next++]
        try { await space.set(keyName(key), valueFor(key)) } catch (err) { errors++; noteError(err) }
      }
    }))
    console.log(JSON.stringify({ filled: mine.length, errors, ms: performance.now() - t0 }))
  } else if (command.op === 'run') {
    const { keys, setShare } = command
    const space = cache.keyspace(command.keyspace)
    const random = Array.from({ length: command.inFlight }, (_, w) => prng(command.seed + index * 7919 + w * 104729))
    let gets = 0
    let sets = 0
    let found = 0
    let wrong = 0
    errorSamples.clear()
    const before = await counts()
    const cpu = process.cpuUsage()
    // On the monotonic clock a --cpu-prof profile's timestamps use, so a profile can be cut to the phase.
    const fromUs = Number(process.hrtime.bigint() / 1000n)
    // No warm-up inside the loop: a cold keyspace must be timed from its first
    // operation (the suite runs an untimed phase on a keyspace of its own first).
    const result = await closedLoop(command.inFlight, command.ms, async w => {
      const r = random[w]
      const key = Math.floor(r() * keys)
      try {
        if (r() < setShare) {
          sets++
          await space.set(keyName(key), valueFor(key))
        } else {
          gets++
          const value = await space.get(keyName(key))
          if (value === undefined) return
          found++
          if (!isValueOf(key, value)) wrong++
        }
      } catch (err) {
        noteError(err)
        throw err
      }
    }, 0)
    const used = process.cpuUsage(cpu)
    const toUs = Number(process.hrtime.bigint() / 1000n)
    const after = await counts()
    const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof Counts]]))
    console.log(JSON.stringify({
      ...result, gets, sets, found, wrong, cpuMs: (used.user + used.system) / 1000, fromUs, toUs, status: delta, errorSamples: [...errorSamples]
    }))
  } else {
    await stop()
  }
}
