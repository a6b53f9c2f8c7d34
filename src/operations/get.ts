import { ErrorCodes, MeshCacheError } from '../errors.js'
import { Op } from '../protocol/frame.js'
import { UNSETTLED, inParts } from './batch.js'
import { groupByOwners } from './components.js'
import { fromWire, isStale, toWire } from './entries.js'
import { withRetries } from './retry.js'
import type { OperationComponents, Settings } from './components.js'
import type { Entry, Frame } from '../protocol/frame.js'
import type { StoredEntry } from '../store/index.js'
import type { Logger } from '@libp2p/interface'

export type GetComponents = Pick<OperationComponents, 'self' | 'store' | 'near' | 'clock' | 'view' | 'requests' | 'now' | 'logger'> & {
  settings: Pick<Settings, 'requestTimeoutMs'>
}

type Hits = Map<string, { entry: StoredEntry, owner: string }>

/** Below the frame bound (maxValueBytes + 1 MiB) with room for one value of any size. */
const MAX_REPLY_BYTES = 512 * 1024

/** GET: the owner's lookup, and the requester's way from near cache to owners. */
export class GetOperation {
  private readonly c: GetComponents
  private readonly log: Logger

  constructor (components: GetComponents) {
    this.c = components
    this.log = components.logger.forComponent('meshcache:get')
  }

  /**
   * Owner: the live entries among the asked keys (absent keys are left out);
   * found[i] says whether this peer knows key i at all — live or deleted — so a
   * reader does not look for a deleted key with the owners of a moment ago.
   */
  async handle (frame: Frame): Promise<Partial<Frame>> {
    const { store, view, self } = this.c
    const entries = []
    const found = []
    // A miss is final only from an owner of the key whose view has settled:
    // one that has not heard of a death yet, or is being handed keys, says so.
    let settling = !view.stable()
    let bytes = 0
    for (const key of frame.keys) {
      // A batch of large values would not fit one frame: answer the first keys
      // only; found.length tells the asker where to pick up.
      if (bytes >= MAX_REPLY_BYTES) break
      const entry = store.get(frame.keyspace, key)
      // The asker knows the keyspace it asked for: the answer leaves it out.
      if (entry != null) {
        entries.push(toWire('', key, entry))
        bytes += entry.value.byteLength + key.length * 3
      } else if (!settling && !view.owners(frame.keyspace, key).includes(self)) settling = true
      found.push(entry != null || store.deleted(frame.keyspace, key))
    }
    return { entries, found, settling }
  }

  /**
   * What this peer can answer alone: its store's entry while it owns the key
   * (a copy it has just handed away no longer receives writes), else its near
   * copy of another owner's entry.
   */
  local (keyspace: string, key: string, owners = this.c.view.owners(keyspace, key)): StoredEntry | undefined {
    const { self, store, near } = this.c
    return owners.includes(self) ? store.get(keyspace, key) : near.get(keyspace, key)
  }

  /**
   * One key past its near and local copy (`local`, what local() gave: a
   * caller that found a fresh one has its answer). In a stable view, one
   * request to the key's primary owner, whose miss is final; this peer as an
   * owner has every write already. Otherwise, or when that owner fails or
   * says its view is settling, entries() asks every owner.
   */
  async fetch (keyspace: string, key: string, local: StoredEntry | undefined, owners = this.c.view.owners(keyspace, key)): Promise<StoredEntry | undefined> {
    const { view, self } = this.c
    if (local == null && view.stable()) {
      if (owners.includes(self)) return undefined
      const primary = owners[0]
      if (primary !== undefined) {
        try {
          const wire = await this.c.requests.getOne(primary, keyspace, key)
          if (wire !== UNSETTLED) return wire == null ? undefined : this.received(keyspace, wire, primary, owners)
          this.log.trace('%s is settling: its miss of one key is asked of every owner', primary)
        } catch (err) {
          this.unanswered(primary, 1, err)
        }
      }
    }
    return (await this.entries(keyspace, [key]))[0]
  }

  /**
   * Requester: each key's entry, looked up in this order — the near cache, the
   * local store (when this peer owns the key), then its owners. In a stable
   * view that is the primary owner alone; while the view settles, or when the
   * primary fails, every owner at once (asked again when every one failed,
   * retry.ts), and keys every owner missed are looked for with the owners of a
   * moment ago, so a key survives its primary's crash and is found during a
   * rebalance. Copies from other owners land in the near cache.
   */
  async entries (keyspace: string, keys: string[]): Promise<Array<StoredEntry | undefined>> {
    const { view, self, now } = this.c
    const results = new Array<StoredEntry | undefined>(keys.length).fill(undefined)
    const byPrimary = new Map<string, number[]>()
    const everyOwner: number[] = []
    const stable = view.stable()
    const at = now()
    keys.forEach((key, i) => {
      const local = this.local(keyspace, key)
      if (local != null && !isStale(local, at)) results[i] = local
      // A stale copy here may already be refreshed at another owner (a
      // getOrLoad refill reaches the owners one by one): ask them all.
      else if (!stable || local != null) everyOwner.push(i)
      else {
        const owners = view.owners(keyspace, key)
        if (owners.length === 0) throw new MeshCacheError(ErrorCodes.UNAVAILABLE, 'the mesh has no owner-role member')
        if (owners.includes(self)) return // its own miss is final
        const list = byPrimary.get(owners[0])
        if (list == null) byPrimary.set(owners[0], [i])
        else list.push(i)
      }
    })
    await Promise.all([...byPrimary].map(async ([primary, indexes]) => {
      try {
        const reply = await this.askAll(primary, keyspace, indexes.map(i => keys[i]))
        const wire = new Map(reply.entries.map(entry => [entry.key, entry]))
        for (const i of indexes) {
          const entry = wire.get(keys[i])
          if (entry != null) results[i] = this.received(keyspace, entry, primary)
          // A settling owner's misses are not the last word.
          else if (reply.settling) everyOwner.push(i)
        }
      } catch (err) {
        this.unanswered(primary, indexes.length, err)
        everyOwner.push(...indexes)
      }
    }))
    if (everyOwner.length > 0) {
      const found = await this.fromEveryOwner(keyspace, everyOwner.map(i => keys[i]))
      everyOwner.forEach((i, n) => { results[i] = found[n] })
    }
    return results
  }

  /** An owner's entry as this peer keeps it: its clock past the version, a near copy when this peer does not own the key. */
  private received (keyspace: string, wire: Entry, owner: string, owners = this.c.view.owners(keyspace, wire.key)): StoredEntry {
    const { clock, near, self, now } = this.c
    // Later writes from this peer must order after what it has read.
    clock.observe(wire.version)
    const entry = fromWire(wire)
    if (near.enabled && !owners.includes(self)) near.set(keyspace, wire.key, { ...entry, owner, fetchedAt: now() })
    return entry
  }

  /** The asked owner failed: it may lag, so reads ask every owner for a while. */
  private unanswered (owner: string, keys: number, err: unknown): void {
    this.log('%s did not answer a read of %d key(s), asking every owner: %s', owner, keys, (err as Error).message)
    this.c.view.disturbed()
  }

  /** The settling view's read: every owner, again on failure, then the owners of a moment ago. */
  private async fromEveryOwner (keyspace: string, keys: string[]): Promise<Array<StoredEntry | undefined>> {
    const { view, self, near, now } = this.c
    const results = new Array<StoredEntry | undefined>(keys.length).fill(undefined)
    const groups = groupByOwners(view, keyspace, keys)
    if (groups.has('')) throw new MeshCacheError(ErrorCodes.UNAVAILABLE, 'the mesh has no owner-role member')
    await Promise.all([...groups.values()].map(async ({ owners, indexes }) => {
      let found: Hits = new Map()
      const known = new Set<string>()
      let failed: unknown
      // Only when every owner failed (this peer, when an owner, never does):
      // one that answered has what there is.
      const stillThere = (): boolean => owners.some(owner => view.isMember(owner))
      try {
        found = await withRetries(this.c, async () => this.askOwners(keyspace, owners, indexes.map(i => keys[i]), known), stillThere,
          (err, pause) => { this.log('every owner of %d key(s) failed, again in %d ms: %s', indexes.length, pause, (err as Error).message) })
      } catch (err) { failed = err }
      const missing = indexes.filter(i => !found.has(keys[i]) && !known.has(keys[i]))
      if (missing.length > 0) {
        for (const [key, hit] of await this.askPrevious(keyspace, owners, missing.map(i => keys[i]))) found.set(key, hit)
      }
      if (failed != null && found.size === 0) throw failed
      indexes.forEach(i => {
        const hit = found.get(keys[i])
        if (hit == null) return
        results[i] = hit.entry
        if (near.enabled && !owners.includes(self)) near.set(keyspace, keys[i], { ...hit.entry, owner: hit.owner, fetchedAt: now() })
      })
    }))
    return results
  }

  /**
   * Keys every owner missed may still sit with the peers that owned them a
   * moment ago: the next ones in XOR order, which a newcomer or a takeover has
   * not been filled from yet. What they have is read, and written back to the
   * owners so the next read finds it there.
   */
  private async askPrevious (keyspace: string, owners: string[], keys: string[]): Promise<Hits> {
    const { view, requests } = this.c
    const found: Hits = new Map()
    const previous = (key: string): string[] => view.successors(keyspace, key).filter(p => !owners.includes(p))
    for (const { owners: peers, indexes } of groupByOwners(view, keyspace, keys, previous).values()) {
      if (peers.length === 0) continue
      const hits = await this.askOwners(keyspace, peers, indexes.map(i => keys[i])).catch((err: Error): Hits => {
        this.log('the previous owners of %d key(s) did not answer: %s', indexes.length, err.message)
        return new Map()
      })
      for (const [key, hit] of hits) found.set(key, hit)
    }
    if (found.size > 0) {
      this.log('%d key(s) found with their previous owners, written back', found.size)
      const entries = [...found].map(([key, hit]) => toWire(keyspace, key, hit.entry))
      for (const owner of owners) {
        requests.call(owner, { op: Op.SET, forwarded: true, entries }).catch((err: Error) => {
          this.log('write-back of %d key(s) to %s failed: %s', entries.length, owner, err.message)
        })
      }
    }
    return found
  }

  /**
   * Asks every owner at once and keeps the newest version of each key: one
   * owner that lags (it rejoined after a false suspicion, or took over while
   * a write went to the peer it replaced) cannot serve an old value while
   * the other has the new one — the churn test read values 30 s old before this.
   */
  private async askOwners (keyspace: string, owners: string[], keys: string[], known?: Set<string>): Promise<Hits> {
    const found: Hits = new Map()
    const replies = await Promise.allSettled(owners.map(async owner => ({ owner, reply: await this.askAll(owner, keyspace, keys) })))
    let lastError: unknown
    for (const result of replies) {
      if (result.status === 'rejected') {
        lastError = result.reason
        this.log.trace('an owner of %d key(s) did not answer: %s', keys.length, (lastError as Error).message)
        continue
      }
      const { owner, reply } = result.value
      reply.found.forEach((knows, i) => { if (knows) known?.add(keys[i]) })
      for (const entry of reply.entries) {
        // Later writes from this peer must order after what it has read.
        this.c.clock.observe(entry.version)
        const newest = found.get(entry.key)
        if (newest == null || newest.entry.version < entry.version) found.set(entry.key, { entry: fromWire(entry), owner })
      }
    }
    if (owners.length > 0 && replies.every(r => r.status === 'rejected')) {
      throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `no owner of ${keys.length} key(s) answered: ${(lastError as Error).message}`, { cause: lastError })
    }
    return found
  }

  /** One owner's answer for every key (a batched request is answered in full already; a call to this peer itself is not). */
  private async askAll (owner: string, keyspace: string, keys: string[]): Promise<Frame> {
    return inParts(keys, async part => this.c.requests.call(owner, { op: Op.GET, keyspace, keys: part }))
  }
}
