/**
 * One step of the persist suite (bench/persist.ts), in a process of its own:
 * `fill DIR N` writes N entries of 100 B to a persisted peer and stops it
 * once they are on disk; `restart DIR N` times createCache on that directory
 * until it serves, and checks every entry is back; `sets DIR|- MS` runs 64
 * callers of `set` for MS ms, with persist in DIR or without ('-'), each
 * over 1000 keys of its own; `unique-sets` the same with every key new.
 * Prints one JSON line.
 */
import { createCache } from '../node/index.js'
import { within } from './lib/measure.js'
import type { MeshCache } from '../node/index.js'

const [step, dir, arg] = process.argv.slice(2)
const options = (persist: boolean): Parameters<typeof createCache>[0] => ({
  mesh: 'bench-persist', replicas: 1, listen: ['/ip4/127.0.0.1/tcp/0'], ...(persist ? { persist: { path: dir } } : {})
})
const valueOf = (i: number): Uint8Array => new Uint8Array(100).fill(i & 0xff)
const BATCH = 10_000

async function drained (cache: MeshCache): Promise<void> {
  await within(600_000, 'the write-behind to drain', (async () => {
    while ((await cache.status()).persist!.pending > 0) await new Promise(resolve => setTimeout(resolve, 50))
  })())
}

if (step === 'fill') {
  const count = Number(arg)
  const cache = await createCache(options(true))
  const started = performance.now()
  for (let i = 0; i < count; i += BATCH) {
    await cache.setMany(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => [`key:${i + j}`, valueOf(i + j)] as [string, Uint8Array]))
  }
  await drained(cache)
  const fillMs = performance.now() - started
  await cache.stop()
  console.log(JSON.stringify({ fillMs }))
} else if (step === 'restart') {
  const count = Number(arg)
  const started = performance.now()
  const cache = await createCache(options(true))
  const serveMs = performance.now() - started
  const probe = await cache.get(`key:${count - 1}`)
  const { keys, persist } = await cache.status()
  await cache.stop()
  if (keys !== count || !(probe instanceof Uint8Array) || probe[0] !== ((count - 1) & 0xff)) throw new Error(`restart found ${keys} of ${count} entries`)
  console.log(JSON.stringify({ serveMs, loaded: persist!.loaded }))
} else if (step === 'sets' || step === 'unique-sets') {
  const persist = dir !== '-'
  const unique = step === 'unique-sets'
  const cache = await createCache(options(persist))
  const durationMs = Number(arg)
  const value = valueOf(1)
  let ops = 0
  const started = performance.now()
  // A clock check, not a timer: sets to this peer itself may settle without ever yielding to timers.
  await Promise.all(Array.from({ length: 64 }, async (_, worker) => {
    for (let i = 0; performance.now() - started < durationMs; i++) {
      await cache.set(unique ? `w${worker}:${i}` : `w${worker}:${i % 1000}`, value)
      ops++
      // Let the write-behind's timer run as it would between requests.
      if (i % 256 === 255) await new Promise(resolve => setImmediate(resolve))
    }
  }))
  const elapsedMs = performance.now() - started
  if (persist) await drained(cache)
  await cache.stop()
  console.log(JSON.stringify({ opsPerSec: ops / (elapsedMs / 1000) }))
} else {
  throw new Error(`usage: persist-child.js fill|restart|sets DIR ARG, not ${String(step)}`)
}
process.exit(0)
