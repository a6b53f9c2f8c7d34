import { ErrorCodes, MeshCacheError } from '../errors.js'
import { Op } from '../protocol/frame.js'
import { MISS_MARKER, encodeValue, entryId } from '../values.js'
import { applyWrite } from './apply.js'
import { expiryFor } from './components.js'
import { fromWire, isStale, toWire } from './entries.js'
import { LeaseTable } from './leases.js'
import type { Loader, OperationComponents } from './components.js'
import type { Frame } from '../protocol/frame.js'
import type { StoredEntry } from '../store/index.js'
import type { Logger } from '@libp2p/interface'

export type ReadThroughComponents = Pick<OperationComponents,
'self' | 'store' | 'near' | 'clock' | 'invalidator' | 'view' | 'requests' | 'fanOut' | 'counters' | 'keyspaces' | 'settings' | 'now' | 'logger'>

/** What a read-through found, and whether this call ran the loader to get it. */
export interface ReadThrough {
  entry: StoredEntry | undefined
  loaded: boolean
}

/**
 * getOrLoad with leases, as memcache at Facebook: the key's primary owner
 * grants one lease per missing key mesh-wide (LEASE); its holder runs the
 * loader and reports (FILL), and every other asker, on any peer, waits at the
 * owner for that value. Concurrent askers on this peer share one request.
 */
export class ReadThroughOperation {
  private readonly c: ReadThroughComponents
  private readonly log: Logger
  /** The owner's outstanding loads. */
  readonly leases: LeaseTable
  /** Loads in flight on this peer, so concurrent local askers share one. */
  private readonly loading = new Map<string, Promise<ReadThrough>>()

  constructor (components: ReadThroughComponents) {
    this.c = components
    this.log = components.logger.forComponent('meshcache:get-or-load')
    this.leases = new LeaseTable(components.settings.leaseTimeoutMs, () => components.clock.tick())
  }

  /** Fails every lease's waiters: the owner is stopping. */
  stop (): void {
    this.leases.clear()
  }

  /**
   * Owner: the value, or a lease to load it, or a wait for whoever holds the
   * lease. A stale value (keyspace `staleMs`) is served at once, and the first
   * asker able to load gets a lease to refresh it in the background.
   */
  async handleLease (frame: Frame, peer: string): Promise<Partial<Frame>> {
    const key = keyOf(frame)
    const id = entryId(frame.keyspace, key)
    const entry = this.c.store.get(frame.keyspace, key)
    if (entry == null) return this.leases.acquire(id, peer, frame.canLoad, frame.waitMs)
    const reply: Partial<Frame> = { entries: [toWire(frame.keyspace, key, entry)] }
    if (isStale(entry, this.c.now()) && frame.canLoad) {
      const lease = this.leases.tryGrant(id, peer)
      if (lease != null) reply.lease = lease
    }
    return reply
  }

  /**
   * Owner: the lease holder reports its load. The owner writes the value to
   * every owner of the key, then answers all waiters — with the loader's error
   * when it threw. A fill for a lease that already passed on, or from a peer
   * that does not hold it, is dropped.
   */
  async handleFill (frame: Frame, peer: string): Promise<Partial<Frame>> {
    const { leases, c } = this
    const key = keyOf(frame)
    const id = entryId(frame.keyspace, key)
    if (!leases.holds(id, frame.lease, peer)) {
      this.log('a fill of %s from %s for a lease it does not hold: dropped', key, peer)
      return {}
    }
    const version = leases.versionOf(id) ?? c.clock.tick()
    if (frame.errorCode !== '') {
      const code = frame.errorCode === ErrorCodes.TIMEOUT ? ErrorCodes.TIMEOUT : ErrorCodes.LOADER_FAILED
      leases.fail(id, new MeshCacheError(code, frame.errorMessage))
      return {}
    }
    const loaded = frame.entries[0]
    if (loaded == null) {
      leases.fill(id, {})
      return {}
    }
    // The version stamped at grant: a set or delete made while the loader ran is
    // newer, so the owners keep it and the loaded (possibly older) value loses.
    const entry = { ...loaded, keyspace: frame.keyspace, key, version }
    try {
      await c.fanOut.toAllOwners(frame.keyspace, [key], () => ({ op: Op.SET, view: c.view.viewId(), entries: [entry] }))
    } catch (err) {
      this.log('the owners of %s are out of reach, the loaded value stays here: %s', key, (err as Error).message)
      applyWrite(c, frame.keyspace, key, fromWire(entry))
    }
    leases.fill(id, { entries: [entry] })
    return {}
  }

  /** Requester: the entry, from the near cache, another local asker's load, or the owners. */
  async getOrLoad (keyspace: string, key: string, loader: Loader | undefined, ttlMs: number | undefined): Promise<ReadThrough> {
    const near = this.c.near.get(keyspace, key)
    if (near != null && !isStale(near, this.c.now())) return { entry: near, loaded: false }
    const id = entryId(keyspace, key)
    const pending = this.loading.get(id)
    // Only the asker whose call ran the loader counts as having loaded.
    if (pending != null) return { entry: (await pending).entry, loaded: false }
    const mine = this.viaOwners(keyspace, key, loader ?? this.c.keyspaces.get(keyspace)?.load, ttlMs)
      .finally(() => { this.loading.delete(id) })
    this.loading.set(id, mine)
    return mine
  }

  private async viaOwners (keyspace: string, key: string, loader: Loader | undefined, ttlMs: number | undefined): Promise<ReadThrough> {
    const { view, requests, settings, self, near, clock, now } = this.c
    const owners = view.owners(keyspace, key)
    const waitMs = settings.leaseTimeoutMs * 2
    let lastError: unknown = new MeshCacheError(ErrorCodes.UNAVAILABLE, 'the mesh has no owner-role member')
    for (const owner of owners) {
      let reply: Frame
      try {
        reply = await requests.call(owner, { op: Op.LEASE, keyspace, keys: [key], canLoad: loader != null, waitMs }, waitMs + settings.requestTimeoutMs)
      } catch (err) {
        // A loader's failure or a lease timeout is an answer, not an unreachable owner.
        if (err instanceof MeshCacheError && err.code !== ErrorCodes.UNAVAILABLE) throw err
        this.log('owner %s of %s is unreachable, trying the next: %s', owner, key, (err as Error).message)
        lastError = err
        continue
      }
      const found = reply.entries[0]
      if (found != null) {
        clock.observe(found.version)
        const entry = fromWire(found)
        if (reply.lease !== 0n && loader != null) {
          // Stale-while-revalidate: answer with the stale value, refresh behind it.
          this.load(owner, keyspace, key, loader, reply.lease, ttlMs).catch((err: Error) => {
            this.log('the background refresh of %s failed: %s', key, err.message)
          })
        } else if (!owners.includes(self) && !isStale(entry, now())) {
          near.set(keyspace, key, { ...entry, owner, fetchedAt: now() })
        }
        return { entry, loaded: false }
      }
      if (reply.lease === 0n) {
        if (loader == null) throw new MeshCacheError(ErrorCodes.NO_LOADER, `no value for ${JSON.stringify(key)} and no loader to make one`)
        return { entry: undefined, loaded: false } // another asker's loader found nothing
      }
      return { entry: await this.load(owner, keyspace, key, loader!, reply.lease, ttlMs), loaded: true }
    }
    throw lastError
  }

  private async load (owner: string, keyspace: string, key: string, loader: Loader, lease: bigint, ttlMs: number | undefined): Promise<StoredEntry | undefined> {
    const { c } = this
    const fill = async (frame: Partial<Frame>): Promise<void> => {
      await c.requests.call(owner, { op: Op.FILL, keyspace, keys: [key], lease, ...frame }).catch((err: Error) => {
        // The lease passes on at the owner when its time is up.
        this.log('the fill of %s at %s failed: %s', key, owner, err.message)
      })
    }
    let entry: StoredEntry | undefined
    try {
      c.counters.loads++
      // Twice the lease's time: by then the owner has passed the lease on for sure.
      const value = await withTimeout(Promise.resolve(loader(key)), c.settings.leaseTimeoutMs * 2)
      const missTtlMs = c.keyspaces.get(keyspace)?.missTtlMs ?? 0
      if (value !== undefined) {
        entry = { value: encodeValue(value, c.settings.maxValueBytes), version: 0n, ...expiryFor(c, keyspace, ttlMs) }
      } else if (missTtlMs > 0) {
        entry = { value: MISS_MARKER, version: 0n, expiresAt: c.now() + missTtlMs }
      }
    } catch (err) {
      const message = (err as Error)?.message ?? String(err)
      const code = err instanceof MeshCacheError && err.code === ErrorCodes.TIMEOUT ? ErrorCodes.TIMEOUT : ErrorCodes.LOADER_FAILED
      await fill({ errorCode: code, errorMessage: message })
      throw new MeshCacheError(code, message, { cause: err })
    }
    await fill(entry == null ? {} : { entries: [toWire(keyspace, key, entry)] })
    return entry
  }
}

/**
 * The key a LEASE or FILL is about. Without one, the lease would be taken on
 * the key "undefined" and a fill would reach the store with no key at all.
 */
function keyOf (frame: Frame): string {
  const key = frame.keys[0]
  if (key == null) throw new MeshCacheError(ErrorCodes.MALFORMED_FRAME, `${frame.op} names no key`)
  return key
}

/** A loader that never settles must not hold its askers forever. */
async function withTimeout<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new MeshCacheError(ErrorCodes.TIMEOUT, `the loader did not finish within ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}
