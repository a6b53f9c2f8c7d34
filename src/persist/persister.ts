import { ENTRY, NEAR_PREFIX, TOMBSTONE, decodeNearRecord, decodeRecord, encodeNearRecord, encodeRecord, keyspaceRange, nearKey, parseRecordKey, recordKey } from './records.js'
import type { NearCache } from '../invalidation/near-cache.js'
import type { Store } from '../store/index.js'
import type { ComponentLogger } from '@libp2p/interface'

/** What persistence needs of a database: the part of abstract-level's API it uses (level, classic-level, browser-level). */
export interface PersistDb {
  batch: (operations: Array<{ type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }>) => Promise<void>
  clear: (range: { gte: Uint8Array, lt: Uint8Array }) => Promise<void>
  /** In key order, `size` records at a time (abstract-level's nextv); an empty array at the end. */
  iterator: () => { nextv: (size: number) => Promise<Array<[Uint8Array, Uint8Array]>>, close: () => Promise<void> }
  close: () => Promise<void>
}

export interface PersisterComponents {
  store: Pick<Store, 'peek' | 'tombstoneOf' | 'apply' | 'restoreTombstone'>
  /** Near copies are kept too when given: a reload soon after a read finds them (browsers). */
  near?: Pick<NearCache, 'held' | 'restore'>
  logger: ComponentLogger
  now: () => number
}

export interface PersistStatus { pending: number, written: number, failures: number, loaded: number, nearLoaded: number }

/** Write-behind delay: an acknowledged write is on disk within about this, plus the batch's own time. */
export const FLUSH_MS = 250
/** Keys per batch: one turn of writing stays short. */
const MAX_BATCH = 10_000
/** Records read per call at start. */
const LOAD_BATCH = 10_000

/**
 * Writes the store behind to a database: the store says which keys changed,
 * and every FLUSH_MS their state as it is then (entry, tombstone or nothing)
 * goes to disk in one batch. A failing batch is logged and counted, its keys
 * stay pending and are tried again; the peer serves from memory meanwhile.
 */
export class Persister {
  private readonly c: PersisterComponents
  private readonly db: PersistDb
  private readonly log
  /** Changed keys, per keyspace: no string or tuple built per write. */
  private pending = new Map<string, Set<string>>()
  /** Keyspaces dropped since the last write: their records go before any key's. */
  private dropped = new Set<string>()
  /** Near copies changed, by id (keyspace, 0, key). */
  private pendingNear = new Set<string>()
  private pendingKeys = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private flushing: Promise<void> | undefined
  private closed = false
  /** While load() applies what is on disk, the store's changes are not news to write back. */
  private loading = false
  readonly counts: PersistStatus = { pending: 0, written: 0, failures: 0, loaded: 0, nearLoaded: 0 }

  constructor (components: PersisterComponents, db: PersistDb) {
    this.c = components
    this.db = db
    this.log = components.logger.forComponent('meshcache:persist')
  }

  /** Reads every record back into the store: entries and tombstones not expired. Corrupt records are skipped with a line; expired ones deleted. */
  async load (): Promise<number> {
    const now = this.c.now()
    const gone: Uint8Array[] = []
    let skipped = 0
    this.loading = true
    const iterator = this.db.iterator()
    try {
      // The next read runs on the database's thread while this one is applied.
      let next = iterator.nextv(LOAD_BATCH)
      for (let records = await next; records.length > 0; records = await next) {
        next = iterator.nextv(LOAD_BATCH)
        skipped += this.apply(records, now, gone)
      }
    } finally {
      this.loading = false
      await iterator.close()
    }
    if (skipped > 0) this.log.error('skipped %d records that do not decode', skipped)
    if (gone.length > 0) await this.db.batch(gone.map(key => ({ type: 'del' as const, key })))
    this.log('loaded %d entries and %d near copies, dropped %d expired records', this.counts.loaded, this.counts.nearLoaded, gone.length)
    return this.counts.loaded
  }

  /** Applies records read from disk; returns how many did not decode. */
  private apply (records: Array<[Uint8Array, Uint8Array]>, now: number, gone: Uint8Array[]): number {
    let skipped = 0
    for (const [rawKey, rawValue] of records) {
      if (rawKey[0] === 0xff) continue
      const id = parseRecordKey(rawKey)
      if (id === undefined) {
        skipped++
        continue
      }
      const [keyspace, key] = id
      if (rawKey[0] === NEAR_PREFIX) {
        skipped += this.restoreNear(keyspace, key, rawKey, rawValue, now, gone)
        continue
      }
      const record = decodeRecord(rawValue)
      if (record === undefined) {
        skipped++
        continue
      }
      if (record.expiresAt !== 0 && record.expiresAt <= now) {
        gone.push(rawKey)
      } else if (record.kind === ENTRY) {
        this.c.store.apply(keyspace, key, { value: record.value, version: record.version, expiresAt: record.expiresAt, staleAt: record.staleAt === 0 ? undefined : record.staleAt })
        this.counts.loaded++
      } else {
        this.c.store.restoreTombstone(keyspace, key, record.version, record.expiresAt)
      }
    }
    return skipped
  }

  /** A near copy from disk back into the near cache, unless expired or past its staleness limit (then deleted); 1 when it does not decode. */
  private restoreNear (keyspace: string, key: string, rawKey: Uint8Array, rawValue: Uint8Array, now: number, gone: Uint8Array[]): number {
    const record = decodeNearRecord(rawValue)
    if (record === undefined) return 1
    const fresh = record.expiresAt === 0 || record.expiresAt > now
    if (fresh && this.c.near?.restore(keyspace, key, { ...record, staleAt: record.staleAt === 0 ? undefined : record.staleAt }) === true) this.counts.nearLoaded++
    else gone.push(rawKey)
    return 0
  }

  nearChanged (id: string): void {
    if (this.closed) return
    const before = this.pendingNear.size
    this.pendingNear.add(id)
    this.pendingKeys += this.pendingNear.size - before
    this.schedule()
  }

  changed (keyspace: string, key: string | undefined): void {
    if (this.closed || this.loading) return
    this.mark(keyspace, key)
  }

  private mark (keyspace: string, key: string | undefined): void {
    if (key === undefined) {
      this.pendingKeys -= this.pending.get(keyspace)?.size ?? 0
      this.pending.delete(keyspace)
      this.dropped.add(keyspace)
    } else {
      let keys = this.pending.get(keyspace)
      if (keys === undefined) {
        keys = new Set()
        this.pending.set(keyspace, keys)
      }
      const before = keys.size
      keys.add(key)
      this.pendingKeys += keys.size - before
    }
    this.schedule()
  }

  private schedule (): void {
    this.counts.pending = this.pendingKeys
    if (!this.closed) this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush() }, FLUSH_MS)
  }

  /** Writes what is pending; resolves once it is on disk or failed (and was put back). */
  async flush (): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    if (this.pendingKeys === 0 && this.dropped.size === 0) return
    this.flushing = this.write().finally(() => { this.flushing = undefined })
    await this.flushing
  }

  /** Writes what is pending, stops listening and closes the database. */
  async stop (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.flush()
    this.closed = true
    // A last batch that failed has put its keys back and asked for another try: there is none after this.
    clearTimeout(this.timer)
    this.timer = undefined
    await this.db.close().catch((err: Error) => { this.log.error('closing the database failed: %e', err) })
  }

  private async write (): Promise<void> {
    const dropped = [...this.dropped]
    this.dropped.clear()
    const taken: Array<[string, string]> = []
    for (const [keyspace, keys] of this.pending) {
      for (const key of keys) {
        if (taken.length === MAX_BATCH) break
        taken.push([keyspace, key])
        keys.delete(key)
      }
      if (keys.size === 0) this.pending.delete(keyspace)
      if (taken.length === MAX_BATCH) break
    }
    const takenNear: string[] = []
    for (const id of this.pendingNear) {
      if (taken.length + takenNear.length === MAX_BATCH) break
      takenNear.push(id)
      this.pendingNear.delete(id)
    }
    this.pendingKeys -= taken.length + takenNear.length
    const operations = taken.map(([keyspace, key]) => this.operationFor(keyspace, key))
    for (const id of takenNear) operations.push(this.nearOperationFor(id))
    let failed = false
    try {
      for (const keyspace of dropped) await this.db.clear(keyspaceRange(keyspace))
      await this.db.batch(operations)
      this.counts.written += operations.length
    } catch (err) {
      failed = true
      this.counts.failures++
      this.log.error('writing %d keys failed (kept in memory, tried again): %e', operations.length, err)
      for (const keyspace of dropped) this.dropped.add(keyspace)
      // Put back unless written again since (then it is pending already); the state is read afresh at the next write.
      for (const [keyspace, key] of taken) this.mark(keyspace, key)
      for (const id of takenNear) this.nearChanged(id)
    }
    this.counts.pending = this.pendingKeys
    // A backlog (more than one batch) goes on at once; after a failure, the disk gets FLUSH_MS to recover.
    if (this.pendingKeys + this.dropped.size > 0 && !this.closed) this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush() }, failed ? FLUSH_MS : 0)
  }

  private operationFor (keyspace: string, key: string): Parameters<PersistDb['batch']>[0][number] {
    const diskKey = recordKey(keyspace, key)
    const entry = this.c.store.peek(keyspace, key)
    if (entry !== undefined) {
      return { type: 'put', key: diskKey, value: encodeRecord({ kind: ENTRY, version: entry.version, expiresAt: entry.expiresAt, staleAt: entry.staleAt ?? 0, value: entry.value }) }
    }
    const tombstone = this.c.store.tombstoneOf(keyspace, key)
    if (tombstone !== undefined) {
      return { type: 'put', key: diskKey, value: encodeRecord({ kind: TOMBSTONE, version: tombstone.version, expiresAt: tombstone.expiresAt, staleAt: 0, value: new Uint8Array(0) }) }
    }
    return { type: 'del', key: diskKey }
  }

  private nearOperationFor (id: string): Parameters<PersistDb['batch']>[0][number] {
    const diskKey = nearKey(id)
    const copy = this.c.near?.held(id)
    if (copy === undefined) return { type: 'del', key: diskKey }
    return { type: 'put', key: diskKey, value: encodeNearRecord({ ...copy, staleAt: copy.staleAt ?? 0 }) }
  }
}
