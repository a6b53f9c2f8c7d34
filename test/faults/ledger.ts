/**
 * What the fault tests promise to check: a steady get/set load whose every
 * write carries a sequence number, and a ledger of when each write was
 * acknowledged. One writer issues every write, so sequence order is version
 * order (its hybrid clock ticks in issue order). From the ledger:
 *  - a stale read returned a write older than one already acknowledged when
 *    the read began; its age is how long ago the newer write was acknowledged;
 *  - a missing read found nothing for a key with an acknowledged write; the
 *    key is unreadable from that read until one finds the write (or a newer
 *    one). Written again first, the missed write may have been lost: counted;
 *  - a lost write is an acknowledged write that a read after the run cannot
 *    find (neither it nor a newer one).
 */
import type { MeshCache } from '../../node/index.js'

export interface LoadFigures {
  ops: number
  errors: number
  errorRate: number
  p99Ms: number
  /** The slowest operation: a near copy is dated from when its reply arrived, not when the owner read it. */
  maxMs: number
  staleReads: number
  /** The oldest stale read, ms after the write that replaced it was acknowledged. */
  maxStaleMs: number
  /** Reads that found nothing at all for a key with an acknowledged write. */
  missingReads: number
  /** The longest a key stayed unreadable: from the first read that found it missing to the first that found it. */
  maxMissingMs: number
  /** Keys found missing and written again before any read found them: their write may have been lost. */
  overwrittenWhileMissing: number
}

interface Acked { seq: number, at: number }
/** A key found missing: since when, and the write the read should have found. */
interface Missing { since: number, seq: number }

export class Ledger {
  readonly keys: string[]
  private seq = 0
  /** Per key: acknowledged writes in acknowledgement order. */
  private readonly acked = new Map<string, Acked[]>()
  private readonly latencies: number[] = []
  private ops = 0
  private errors = 0
  private staleReads = 0
  private maxStaleMs = 0
  private missingReads = 0
  private maxMissingMs = 0
  private overwrittenWhileMissing = 0
  private readonly missing = new Map<string, Missing>()
  /** The oldest stale reads, for the report. */
  readonly samples: Array<{ key: string, got: number | undefined, known: number, ageMs: number, at: number }> = []

  constructor (keyCount: number, prefix = 'k') {
    this.keys = Array.from({ length: keyCount }, (_, i) => `${prefix}:${i}`)
  }

  async write (cache: Pick<MeshCache, 'set'>, key: string): Promise<void> {
    const seq = ++this.seq
    await this.timed(async () => {
      await cache.set(key, seq)
      if (this.missing.delete(key)) this.overwrittenWhileMissing++
      const list = this.acked.get(key) ?? []
      list.push({ seq, at: Date.now() })
      this.acked.set(key, list)
    })
  }

  async read (cache: Pick<MeshCache, 'get'>, key: string): Promise<void> {
    const began = Date.now()
    const known = this.latestBefore(key, began)
    await this.timed(async () => {
      const got = await cache.get(key) as number | undefined
      const missing = this.missing.get(key)
      if (missing != null && got !== undefined && got >= missing.seq) {
        this.missing.delete(key)
        this.maxMissingMs = Math.max(this.maxMissingMs, Date.now() - missing.since)
      }
      if (known == null || (got !== undefined && got >= known.seq)) return
      // The read missed a write acknowledged before it began: how long ago
      // was the first write newer than what it returned acknowledged?
      const replaced = this.acked.get(key)!.find(a => a.seq > (got ?? 0) && a.at <= began)!
      if (got === undefined) {
        this.missingReads++
        if (missing == null) this.missing.set(key, { since: began, seq: known.seq })
      } else {
        this.staleReads++
        this.maxStaleMs = Math.max(this.maxStaleMs, began - replaced.at)
      }
      // Keep the oldest ten for the report.
      this.samples.push({ key, got, known: known.seq, ageMs: began - replaced.at, at: began })
      this.samples.sort((a, b) => b.ageMs - a.ageMs)
      this.samples.splice(10)
    })
  }

  /** Runs `callers` loops of 1 write in `writeEvery` operations until `stop()` resolves true. */
  async run (writer: Pick<MeshCache, 'set'>, reader: Pick<MeshCache, 'get'>, callers: number, writeEvery: number, stop: () => boolean): Promise<void> {
    await Promise.all(Array.from({ length: callers }, async (_, w) => {
      for (let i = 0; !stop(); i++) {
        const key = this.keys[(w * 7919 + i * 104729) % this.keys.length]
        if (i % writeEvery === 0) await this.write(writer, key)
        else await this.read(reader, key)
      }
    }))
  }

  /** Keys whose newest acknowledged write `values` (as read after the run) does not hold. */
  lost (values: Array<unknown>): string[] {
    return this.keys.filter((key, i) => {
      const list = this.acked.get(key)
      if (list == null || list.length === 0) return false
      const newest = Math.max(...list.map(a => a.seq))
      return typeof values[i] !== 'number' || (values[i] as number) < newest
    })
  }

  figures (): LoadFigures {
    const sorted = Float64Array.from(this.latencies).sort()
    return {
      ops: this.ops,
      errors: this.errors,
      errorRate: this.ops === 0 ? 0 : this.errors / this.ops,
      p99Ms: sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)],
      maxMs: sorted.length === 0 ? 0 : sorted[sorted.length - 1],
      staleReads: this.staleReads,
      maxStaleMs: this.maxStaleMs,
      missingReads: this.missingReads,
      maxMissingMs: Math.max(this.maxMissingMs, ...[...this.missing.values()].map(m => Date.now() - m.since)),
      overwrittenWhileMissing: this.overwrittenWhileMissing
    }
  }

  private latestBefore (key: string, at: number): Acked | undefined {
    let best: Acked | undefined
    for (const a of this.acked.get(key) ?? []) if (a.at <= at && (best == null || a.seq > best.seq)) best = a
    return best
  }

  private async timed (op: () => Promise<void>): Promise<void> {
    const start = performance.now()
    this.ops++
    try {
      await op()
      this.latencies.push(performance.now() - start)
    } catch {
      this.errors++
    }
  }
}
