import { ENTRY, NEAR_PREFIX, TOMBSTONE, decodeNearRecord, decodeRecord, encodeNearRecord, encodeRecord, keyspaceRange, nearKey, parseRecordKey, recordKey } from './records.js'
import type { NearCache } from '../invalidation/near-cache.js'
import type { Store } from '../store/index.js'
import type { ComponentLogger } from '@libp2p/interface'

/** What persistence needs of a database: the part of abstract-level's API it uses (level, classic-level, browser-level). */
export interface PersistDb {
  batch: (operations: Array<{ type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }>) => Promise<void>
  clear: (range: { gte: Uint8Array, lt: Uint8Array }) => Promise<void>
  /**
   * In key order, `size` records at a time (abstract-level's nextv); an empty
   * array at the end. classic-level stops a nextv at highWaterMarkBytes
   * (16 KiB by default, some 100 records); browser-level ignores it.
   */
  iterator: (options: { highWaterMarkBytes: number }) => { nextv: (size: number) => Promise<Array<[Uint8Array, Uint8Array]>>, close: () => Promise<void> }
  close: () => Promise<void>
}

export interface PersisterComponents {
  store: Pick<Store, 'peekView' | 'tombstoneOf' | 'restoreEntry' | 'restoreTombstone'>
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
/**
 * Records read per call at start, and the bytes they may take: 1000 records
 * of 100 B a call read 1 M in 2.0 s here, 10 000 in 2.3 s, and classic-level's
 * default of 16 KiB a call (~115 records) in 3.1 s.
 */
const LOAD_BATCH = 1_000
const LOAD_BATCH_BYTES = 1 << 20

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
  /**
   * What is being written, in batches: the pending keys as they were when the
   * last generation was done, taken out whole (no set shrinks key by key) and
   * laid out as parallel arrays (no tuple per key). Keys changed meanwhile
   * are pending again, and are written again with the next generation.
   */
  private generation = { keyspaces: [] as string[], keys: [] as string[], near: [] as string[], at: 0, nearAt: 0 }
  /** Keys pending, or in the generation and not written yet. */
  private pendingKeys = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private flushing: Promise<void> | undefined
  private closed = false
  /** While load() applies what is on disk, the store's changes are not news to write back. */
  private loading = false
  private tombstonesLoaded = 0
  readonly counts: PersistStatus = { pending: 0, written: 0, failures: 0, loaded: 0, nearLoaded: 0 }

  constructor (components: PersisterComponents, db: PersistDb) {
    this.c = components
    this.db = db
    this.log = components.logger.forComponent('meshcache:persist')
  }

  /** Reads every record back into the store, which must be empty (a start): entries and tombstones not expired; returns how many of them. Corrupt records are skipped with a line; expired ones deleted. */
  async load (): Promise<number> {
    const now = this.c.now()
    const gone: Uint8Array[] = []
    let skipped = 0
    this.loading = true
    const iterator = this.db.iterator({ highWaterMarkBytes: LOAD_BATCH_BYTES })
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
    return this.counts.loaded + this.tombstonesLoaded
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
        if (this.c.store.restoreEntry(keyspace, key, { value: record.value, version: record.version, expiresAt: record.expiresAt, staleAt: record.staleAt === 0 ? undefined : record.staleAt })) this.counts.loaded++
      } else {
        this.c.store.restoreTombstone(keyspace, key, record.version, record.expiresAt)
        this.tombstonesLoaded++
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
    const g = this.nextBatch()
    const operations: Parameters<PersistDb['batch']>[0] = []
    const from = g.at
    const nearFrom = g.nearAt
    for (; g.at < g.keys.length && operations.length < MAX_BATCH; g.at++) operations.push(this.operationFor(g.keyspaces[g.at], g.keys[g.at]))
    for (; g.nearAt < g.near.length && operations.length < MAX_BATCH; g.nearAt++) operations.push(this.nearOperationFor(g.near[g.nearAt]))
    this.pendingKeys -= operations.length
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
      // Pending again (unless written again since, then they are already); the state is read afresh at the next write.
      for (let i = from; i < g.at; i++) this.mark(g.keyspaces[i], g.keys[i])
      for (let i = nearFrom; i < g.nearAt; i++) this.nearChanged(g.near[i])
    }
    this.counts.pending = this.pendingKeys
    // A backlog (more than one batch) goes on at once; after a failure, the disk gets FLUSH_MS to recover.
    if (this.pendingKeys + this.dropped.size > 0 && !this.closed) this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush() }, failed ? FLUSH_MS : 0)
  }

  /** The generation to write from: the current one until it is written, then what is pending now. */
  private nextBatch (): Persister['generation'] {
    const g = this.generation
    if (g.at < g.keys.length || g.nearAt < g.near.length) return g
    const keyspaces: string[] = []
    const keys: string[] = []
    for (const [keyspace, set] of this.pending) {
      for (const key of set) {
        keyspaces.push(keyspace)
        keys.push(key)
      }
    }
    this.pending = new Map()
    this.generation = { keyspaces, keys, near: [...this.pendingNear], at: 0, nearAt: 0 }
    this.pendingNear = new Set()
    return this.generation
  }

  private operationFor (keyspace: string, key: string): Parameters<PersistDb['batch']>[0][number] {
    const diskKey = recordKey(keyspace, key)
    const entry = this.c.store.peekView(keyspace, key)
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
