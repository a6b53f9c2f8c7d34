/**
 * Lost invalidations: 4 owners, a writer and a reader (clients) in this
 * process; the reader loses a fraction of the invalidation notices that
 * reach it (they are dropped as they arrive, before its invalidator sees
 * them: what a stream reset in flight does). The reader must notice the gaps in the owners' sequence numbers and keep every
 * stale read within its maxStalenessMs; after the load every key reads its
 * newest acknowledged write. A control run without loss sees no gap.
 *
 * Two phases: a dense load (the ledger's), where the next invalidation, and
 * so the gap, follows a lost one within milliseconds; then sparse writes (5 a
 * second) under steady reads, where a lost invalidation is noticed only at
 * its owner's next message, hundreds of ms later, and stale reads last.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startCluster, waitForMembership } from '../helpers/cluster.js'
import { Ledger } from './ledger.js'
import type { MeshCache } from '../../node/index.js'
import type { Parts } from '../../src/parts.js'
import type { Cluster } from '../helpers/cluster.js'

const MAX_STALENESS_MS = 1_500
const PHASE_MS = 5_000
const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Loses `fraction` of the invalidation notices that reach `cache`, at the door of its invalidator. */
function dropSome (cache: MeshCache, fraction: number): { seen: number, dropped: number } {
  const counts = { seen: 0, dropped: 0 }
  const { invalidator } = (cache as unknown as { parts: Parts }).parts
  const receive = invalidator.receive.bind(invalidator)
  invalidator.receive = (owner, notice) => {
    counts.seen++
    if (Math.random() < fraction) counts.dropped++
    else receive(owner, notice)
  }
  return counts
}

describe('lost invalidations', () => {
  let cluster: Cluster | undefined
  afterEach(async () => {
    await cluster?.stop()
    cluster = undefined
  })

  async function run (fraction: number): Promise<void> {
    const mesh = `lost-${fraction}-${process.pid}`
    // Slower membership than FAST: under npm test's parallel load, a false
    // death would move keys mid-run, which is another test's subject.
    cluster = await startCluster(4, { mesh, replicas: 2, heartbeatMs: 500, missedHeartbeats: 6, requestTimeoutMs: 5_000 })
    const writer = await cluster.add({ role: 'client', nearCache: { maxEntries: 0 } })
    const reader = await cluster.add({ role: 'client', nearCache: { maxEntries: 10_000, maxStalenessMs: MAX_STALENESS_MS } })
    await waitForMembership(cluster.peers)
    const counts = dropSome(reader, fraction)
    await sleep(1_000)

    // A near copy's age counts from the reply's arrival (get.ts stamps
    // fetchedAt then), but its value is as old as the owner's read of its
    // store: a write acknowledged in between, whose invalidations were all
    // lost, can be served until maxStalenessMs after the arrival. The ledger
    // counts from the acknowledgement, so a stale read may be older than the
    // bound by at most the get that fetched the copy took: the slack is the
    // longest get of the run.
    let slackMs = 0
    const timed: Pick<MeshCache, 'get'> = {
      get: async (key: string) => {
        const start = performance.now()
        try { return await reader.get(key) } finally { slackMs = Math.max(slackMs, Math.ceil(performance.now() - start)) }
      }
    }
    const ledger = new Ledger(40, 'lost')
    // Time-bound, but on a starved machine it goes on (20 s at most) until
    // enough invalidations have been seen to tell a gap from luck.
    const denseUntil = Date.now() + PHASE_MS
    await ledger.run(writer, timed, 4, 4, () => Date.now() >= denseUntil && (counts.seen >= 100 || Date.now() >= denseUntil + 20_000))
    const dense = ledger.figures()
    const sparseUntil = Date.now() + PHASE_MS
    const pick = (): string => ledger.keys[Math.floor(Math.random() * ledger.keys.length)]
    await Promise.all([
      (async () => {
        while (Date.now() < sparseUntil) {
          await ledger.write(writer, pick())
          await sleep(200)
        }
      })(),
      ...Array.from({ length: 4 }, async () => {
        // Near hits resolve without I/O: the pause lets the event loop breathe.
        while (Date.now() < sparseUntil) {
          await ledger.read(timed, pick())
          await sleep(5)
        }
      })
    ])
    const figures = ledger.figures()
    const { invalidationGaps, near } = await reader.status()

    // After the load: the reader itself, once its copies are past maxStalenessMs,
    // and the writer (no near cache: every read goes to the owners).
    await sleep(MAX_STALENESS_MS + 100)
    const lostAtReader = ledger.lost(await reader.getMany(ledger.keys))
    const lostAtOwners = ledger.lost(await writer.getMany(ledger.keys))

    console.log(`lost invalidations at ${(fraction * 100).toFixed(0)}%: dropped ${counts.dropped} of ${counts.seen} ` +
      `(${(counts.seen === 0 ? 0 : counts.dropped / counts.seen * 100).toFixed(1)}%); gaps ${invalidationGaps}; ` +
      `${figures.ops} ops, ${figures.errors} errors, p99 ${figures.p99Ms.toFixed(1)} ms, near hit rate ${(near.hitRate * 100).toFixed(0)}%; ` +
      `stale reads ${figures.staleReads} (dense phase ${dense.staleReads}, oldest ${dense.maxStaleMs} ms; ` +
      `overall oldest ${figures.maxStaleMs} ms, bound ${MAX_STALENESS_MS} + ${slackMs} ms); ` +
      `keys behind: reader ${lostAtReader.length}, owners ${lostAtOwners.length}`)
    expect(counts.seen).toBeGreaterThan(20)
    if (fraction > 0) {
      expect(counts.dropped).toBeGreaterThan(0)
      expect(invalidationGaps).toBeGreaterThan(0)
    } else {
      expect(invalidationGaps).toBe(0)
    }
    // Without churn no key is ever missing: a read that finds nothing counts as stale here.
    expect(Math.max(figures.maxStaleMs, figures.maxMissingMs)).toBeLessThanOrEqual(MAX_STALENESS_MS + slackMs)
    expect(lostAtReader).toEqual([])
    expect(lostAtOwners).toEqual([])
  }

  it('a 30% loss shows as gaps, and stale reads stay within maxStalenessMs', async () => {
    await run(0.3)
  }, 120_000)

  it('control: without loss there is no gap', async () => {
    await run(0)
  }, 120_000)
})
