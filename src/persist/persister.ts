import { ENTRY, TOMBSTONE, decodeRecord, encodeRecord, keyspaceRange, parseRecordKey, recordKey } from './records.js'
import type { Store } from '../store/index.js'
import type { ComponentLogger } from '@libp2p/interface'

/** What persistence needs of a database: the part of abstract-level's API it uses (level, classic-level, browser-level). */
export interface PersistDb {
  batch: (operations: Array<{ type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }>) => Promise<void>
  clear: (range: { gte: Uint8Array, lt: Uint8Array }) => Promise<void>
  iterator: () => AsyncIterable<[Uint8Array, Uint8Array]>
  close: () => Promise<void>
}

export interface PersisterComponents {
  store: Pick<Store, 'peek' | 'tombstoneOf' | 'apply' | 'restoreTombstone'>
  logger: ComponentLogger
  now: () => number
}

export interface PersistStatus { pending: number, written: number, failures: number, loaded: number }

/** Write-behind delay: an acknowledged write is on disk within about this, plus the batch's own time. */
export const FLUSH_MS = 100
/** Keys per batch: one turn of writing stays short. */
const MAX_BATCH = 10_000

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
  /** Changed keys by record id, with the keyspace and key to read their state from; key undefined: the keyspace was dropped. */
  private pending = new Map<string, [string, string | undefined]>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private flushing: Promise<void> | undefined
  private closed = false
  readonly counts: PersistStatus = { pending: 0, written: 0, failures: 0, loaded: 0 }

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
    for await (const [rawKey, rawValue] of this.db.iterator()) {
      if (rawKey[0] === 0xff) continue
      const id = parseRecordKey(rawKey)
      const record = decodeRecord(rawValue)
      if (id === undefined || record === undefined) {
        skipped++
        continue
      }
      const [keyspace, key] = id
      if (record.expiresAt !== 0 && record.expiresAt <= now) {
        gone.push(rawKey)
      } else if (record.kind === ENTRY) {
        this.c.store.apply(keyspace, key, { value: record.value, version: record.version, expiresAt: record.expiresAt, staleAt: record.staleAt === 0 ? undefined : record.staleAt })
        this.counts.loaded++
      } else {
        this.c.store.restoreTombstone(keyspace, key, record.version, record.expiresAt)
      }
    }
    if (skipped > 0) this.log.error('skipped %d records that do not decode', skipped)
    if (gone.length > 0) await this.db.batch(gone.map(key => ({ type: 'del' as const, key })))
    this.log('loaded %d entries, dropped %d expired records', this.counts.loaded, gone.length)
    // Loading applied through the store, which told changed() of each key: nothing new to write.
    this.pending.clear()
    this.counts.pending = 0
    return this.counts.loaded
  }

  changed (keyspace: string, key: string | undefined): void {
    if (this.closed) return
    if (key === undefined) {
      for (const [id, [ks]] of this.pending) if (ks === keyspace) this.pending.delete(id)
      this.pending.set(`\u0001${keyspace}`, [keyspace, undefined])
    } else {
      this.pending.set(`${keyspace}\u0000${key}`, [keyspace, key])
    }
    this.counts.pending = this.pending.size
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush() }, FLUSH_MS)
  }

  /** Writes what is pending; resolves once it is on disk or failed (and was put back). */
  async flush (): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    if (this.pending.size === 0) return
    this.flushing = this.write().finally(() => { this.flushing = undefined })
    await this.flushing
  }

  /** Writes what is pending, stops listening and closes the database. */
  async stop (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.flush()
    this.closed = true
    await this.db.close().catch((err: Error) => { this.log.error('closing the database failed: %e', err) })
  }

  private async write (): Promise<void> {
    const taken = [...this.pending].slice(0, MAX_BATCH)
    for (const [id] of taken) this.pending.delete(id)
    const operations: Parameters<PersistDb['batch']>[0] = []
    const dropped: string[] = []
    for (const [, [keyspace, key]] of taken) {
      if (key === undefined) dropped.push(keyspace)
      else operations.push(this.operationFor(keyspace, key))
    }
    try {
      for (const keyspace of dropped) await this.db.clear(keyspaceRange(keyspace))
      await this.db.batch(operations)
      this.counts.written += operations.length
    } catch (err) {
      this.counts.failures++
      this.log.error('writing %d keys failed (kept in memory, tried again): %e', operations.length, err)
      for (const [id, state] of taken) if (!this.pending.has(id)) this.pending.set(id, state)
    }
    this.counts.pending = this.pending.size
    if (this.pending.size > 0 && !this.closed) this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush() }, FLUSH_MS)
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
}
