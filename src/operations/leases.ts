import { ErrorCodes, MeshCacheError } from '../errors.js'
import type { Frame } from '../protocol/frame.js'

/** setTimeout's largest delay; a longer one fires at once, with a TimeoutOverflowWarning. */
const MAX_TIMER_MS = 0x7fffffff

interface Waiter {
  peer: string
  canLoad: boolean
  resolve: (reply: Partial<Frame>) => void
  reject: (err: Error) => void
  timer: ReturnType<typeof setTimeout>
}

interface Lease {
  token: bigint
  holder: string
  /** Stamped when granted: a write made while the loader ran is newer and wins over the fill. */
  version: bigint
  timer: ReturnType<typeof setTimeout>
  waiters: Waiter[]
}

/**
 * The owner's table of outstanding loads (memcache leases): the first asker of
 * a missing key gets a token and loads; later askers wait here for its fill.
 * A lease not filled in time passes to the next waiter able to load.
 */
export class LeaseTable {
  private readonly leases = new Map<string, Lease>()
  private readonly timeoutMs: number
  private readonly stamp: () => bigint
  private nextToken = 1n

  constructor (timeoutMs: number, stamp: () => bigint = () => 0n) {
    this.timeoutMs = timeoutMs
    this.stamp = stamp
  }

  get size (): number {
    return this.leases.size
  }

  /** Grants a lease when none is out; otherwise waits (at most waitMs) for the holder's fill. */
  acquire (id: string, holder: string, canLoad: boolean, waitMs: number): Promise<Partial<Frame>> {
    const lease = this.leases.get(id)
    if (lease == null) {
      if (!canLoad) return Promise.resolve({})
      return Promise.resolve({ lease: this.grant(id, holder, []) })
    }
    // waitMs comes off the wire as any uint32: past 2^31 - 1 ms it would not wait at all.
    const delay = Math.min(waitMs, MAX_TIMER_MS)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        peer: holder,
        canLoad,
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = lease.waiters.indexOf(waiter)
          if (at >= 0) lease.waiters.splice(at, 1)
          reject(new MeshCacheError(ErrorCodes.TIMEOUT, `no value for the key within ${waitMs} ms`))
        }, delay)
      }
      lease.waiters.push(waiter)
    })
  }

  /** A lease for `holder` when none is out for `id` (a stale value's refresh), else undefined. */
  tryGrant (id: string, holder: string): bigint | undefined {
    return this.leases.has(id) ? undefined : this.grant(id, holder, [])
  }

  /** Whether `token` is the live lease of `id`, held by `holder`. */
  holds (id: string, token: bigint, holder?: string): boolean {
    const lease = this.leases.get(id)
    return lease?.token === token && (holder == null || lease.holder === holder)
  }

  /** The version a fill of this lease carries: the clock when it was granted. */
  versionOf (id: string): bigint | undefined {
    return this.leases.get(id)?.version
  }

  /** Ends the lease with the loaded value (or a miss: `{}`), answering every waiter. */
  fill (id: string, reply: Partial<Frame>): void {
    for (const waiter of this.end(id)) waiter.resolve(reply)
  }

  /** Ends the lease with the loader's failure, rejecting every waiter with it. */
  fail (id: string, err: Error): void {
    for (const waiter of this.end(id)) waiter.reject(err)
  }

  /** Fails every lease (the owner is stopping) and numbers the next ones from 1 again. */
  clear (): void {
    for (const id of [...this.leases.keys()]) {
      this.fail(id, new MeshCacheError(ErrorCodes.CLOSED, 'the owner is stopping'))
    }
    this.nextToken = 1n
  }

  private grant (id: string, holder: string, waiters: Waiter[]): bigint {
    const token = this.nextToken++
    const timer = setTimeout(() => { this.expire(id, token) }, this.timeoutMs)
    this.leases.set(id, { token, holder, version: this.stamp(), timer, waiters })
    return token
  }

  private expire (id: string, token: bigint): void {
    const lease = this.leases.get(id)
    if (lease?.token !== token) return
    this.leases.delete(id)
    const next = lease.waiters.findIndex(w => w.canLoad)
    if (next < 0) {
      for (const waiter of lease.waiters) {
        clearTimeout(waiter.timer)
        waiter.reject(new MeshCacheError(ErrorCodes.TIMEOUT, `the load of this key was not finished within ${this.timeoutMs} ms`))
      }
      return
    }
    const [heir] = lease.waiters.splice(next, 1)
    clearTimeout(heir.timer)
    heir.resolve({ lease: this.grant(id, heir.peer, lease.waiters) })
  }

  private end (id: string): Waiter[] {
    const lease = this.leases.get(id)
    if (lease == null) return []
    this.leases.delete(id)
    clearTimeout(lease.timer)
    for (const waiter of lease.waiters) clearTimeout(waiter.timer)
    return lease.waiters
  }
}
