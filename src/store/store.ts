import { LRUCache } from 'lru-cache'
import { allocBytes } from '../util/pool.js'
import { Deadlines } from './deadlines.js'
import { NONE, Table, entryCost } from './table.js'

export interface StoredEntry {
  /** Already-encoded value bytes; the store never looks inside. */
  value: Uint8Array
  /** Hybrid-logical-clock stamp; larger = newer. */
  version: bigint
  /** Absolute epoch ms on the store's clock; 0 = never expires. */
  expiresAt: number
  /**
   * Absolute epoch ms after which the value is stale: kept until expiresAt
   * only so getOrLoad can serve it while one asker refreshes it. 0 or absent =
   * never stale. The store does not look at it.
   */
  staleAt?: number
}

/** Byte budget of one keyspace on this peer. */
export interface KeyspaceLimits { maxBytes?: number }

export interface StoreInit {
  /** Clock, default Date.now. */
  now?: () => number
  /** Budget of a keyspace never configured; default 512 MiB. */
  defaultMaxBytes?: number
  /** How long a delete remembers its version; default 60_000. */
  tombstoneTtlMs?: number
  /** Per store, LRU; default 100_000. */
  maxTombstones?: number
  /**
   * Told of every key whose entry or tombstone may have changed (a write, a
   * delete, a TTL change, an eviction, a hand-off's drop); `key` undefined:
   * the whole keyspace was dropped. Persistence writes behind from it.
   * Expiry is not told: an expired entry is skipped wherever it is read.
   */
  onChange?: (keyspace: string, key: string | undefined) => void
}

export interface KeyspaceStats { keys: number, bytes: number, maxBytes: number, evictions: number }
export interface StoreStats { keys: number, bytes: number, evictions: number, keyspaces: Record<string, KeyspaceStats> }


/**
 * Bytes an entry costs against its keyspace's budget (entryCost). Exported so
 * callers can refuse a value before shipping it.
 */
export function entrySize (key: string, entry: StoredEntry): number {
  return entryCost(key.length, entry.value.byteLength)
}

interface Tombstone { version: bigint, expiresAt: number }

interface Space {
  table: Table
  maxBytes: number
  /** Set by configure(): the budget and the name outlive the entries. */
  configured: boolean
  evictions: number
  deadlines: Deadlines
}

/*
 * Expiry and the budget. An entry's expiresAt is checked against now() lazily on
 * get/peek/entries, which keeps the hit path to one lookup and a compare. So that
 * dead entries neither hold budget that live ones need nor show up in stats(),
 * each keyspace also keeps a min-heap of deadlines, drained before every write
 * into the keyspace and before stats()/keyspaces()/entries()/configure(). Hence
 * an LRU eviction only ever removes a live entry, and stats() is exact.
 *
 * Entries live in a Table per keyspace (table.ts), not as objects: get() and
 * peek() hand out a fresh StoredEntry each time, whose value is a copy.
 */

export class Store {
  readonly #now: () => number
  readonly #defaultMaxBytes: number
  readonly #tombstoneTtlMs: number
  readonly #spaces = new Map<string, Space>()
  readonly #tombstones: LRUCache<string, Tombstone>
  readonly #onChange: StoreInit['onChange']

  constructor (init: StoreInit = {}) {
    this.#now = init.now ?? Date.now
    this.#defaultMaxBytes = positiveInt('defaultMaxBytes', init.defaultMaxBytes ?? 512 * 1024 * 1024)
    this.#tombstoneTtlMs = init.tombstoneTtlMs ?? 60_000
    if (!(this.#tombstoneTtlMs >= 0)) throw new RangeError('tombstoneTtlMs must be >= 0')
    this.#tombstones = new LRUCache({ max: positiveInt('maxTombstones', init.maxTombstones ?? 100_000) })
    this.#onChange = init.onChange
  }

  /** Sets (or changes) a keyspace's budget; shrinking evicts least-recently-used entries at once. */
  configure (keyspace: string, limits: KeyspaceLimits): void {
    const maxBytes = positiveInt('maxBytes', limits.maxBytes ?? this.#defaultMaxBytes)
    const s = this.#spaces.get(keyspace)
    if (s === undefined) {
      this.#spaces.set(keyspace, newSpace(maxBytes, true))
      return
    }
    s.configured = true
    if (s.maxBytes === maxBytes) return
    this.#expire(s, this.#now())
    s.maxBytes = maxBytes
    evict(s, NONE, keyspace, this.#onChange)
  }

  /** The live entry, or undefined when absent or expired (an expired entry is removed on the way). Counts as a use for LRU. */
  get (keyspace: string, key: string): StoredEntry | undefined {
    const s = this.#spaces.get(keyspace)
    if (s === undefined) return undefined
    const slot = liveSlot(s.table, key, this.#now())
    if (slot === NONE) return undefined
    s.table.use(slot)
    return entryAt(s.table, slot)
  }

  /** Like get, but does not touch LRU order. */
  peek (keyspace: string, key: string): StoredEntry | undefined {
    const s = this.#spaces.get(keyspace)
    if (s === undefined) return undefined
    const slot = liveSlot(s.table, key, this.#now())
    return slot === NONE ? undefined : entryAt(s.table, slot)
  }

  /** Like peek, but the value is a view into the table, not a copy: good only until the store next changes (for encoding it at once). */
  peekView (keyspace: string, key: string): StoredEntry | undefined {
    const s = this.#spaces.get(keyspace)
    if (s === undefined) return undefined
    const slot = liveSlot(s.table, key, this.#now())
    if (slot === NONE) return undefined
    return { value: s.table.view(slot), version: s.table.version(slot), expiresAt: s.table.expiresAt(slot), staleAt: s.table.staleAtOf(slot) }
  }

  /**
   * For readers that remember where an entry is (local reads): the
   * keyspace's table and the key's live slot in it, or undefined. Counts as
   * a use. A remembered slot holds the same entry while its generation is
   * the same (Table.current).
   */
  locate (keyspace: string, key: string): { table: Table, slot: number } | undefined {
    const s = this.#spaces.get(keyspace)
    if (s === undefined) return undefined
    const slot = liveSlot(s.table, key, this.#now())
    if (slot === NONE) return undefined
    s.table.use(slot)
    return { table: s.table, slot }
  }

  /**
   * Stores the entry when its version is newer than both the live entry and any tombstone.
   * A newer entry that cannot be stored (already expired, or larger than the whole budget)
   * still supersedes what is here: the older entry goes and a tombstone takes its place,
   * so this peer never serves a value the writer has replaced. The store copies the value.
   */
  apply (keyspace: string, key: string, entry: StoredEntry): boolean {
    const now = this.#now()
    let s = this.#spaces.get(keyspace)
    const slot = s === undefined ? NONE : liveSlot(s.table, key, now)
    const high = versionHigh(entry.version)
    const low = versionLow(entry.version)
    if (s !== undefined && slot !== NONE) {
      // A live entry is always newer than the key's tombstone (see remove), so it alone decides.
      if (s.table.compareVersion(slot, high, low) >= 0) return false
    } else {
      const t = this.#tombstone(keyspace, key, now)
      if (t !== undefined && entry.version <= t.version) return false
    }
    const budget = s?.maxBytes ?? this.#defaultMaxBytes
    if (!storable(key, entry, budget, now)) {
      if (slot !== NONE) s?.table.delete(slot)
      this.#bury(keyspace, key, entry.version, now)
      this.#onChange?.(keyspace, key)
      return false
    }
    s = this.#spaceFor(keyspace, s, budget)
    this.#expire(s, now)
    this.#put(keyspace, s, key, slot, entry, high, low)
    this.#onChange?.(keyspace, key)
    return true
  }

  /**
   * Versioned delete. Returns true when a live entry was removed. A delete not newer
   * than the live entry changes nothing, not even the tombstone, which keeps every live
   * entry newer than its key's tombstone; a tombstone never lowers.
   */
  remove (keyspace: string, key: string, version: bigint): boolean {
    const now = this.#now()
    const s = this.#spaces.get(keyspace)
    const slot = s === undefined ? NONE : liveSlot(s.table, key, now)
    if (s !== undefined && slot !== NONE) {
      if (s.table.compareVersion(slot, versionHigh(version), versionLow(version)) >= 0) return false
      s.table.delete(slot)
    }
    this.#bury(keyspace, key, version, now)
    this.#onChange?.(keyspace, key)
    return slot !== NONE
  }

  /**
   * Versioned TTL change; counts as a use for LRU. Setting a deadline already past
   * removes the entry with a tombstone, as a newer already-expired apply() would.
   */
  touch (keyspace: string, key: string, expiresAt: number, version: bigint): boolean {
    const now = this.#now()
    const s = this.#spaces.get(keyspace)
    if (s === undefined) return false
    const slot = liveSlot(s.table, key, now)
    const high = versionHigh(version)
    const low = versionLow(version)
    if (slot === NONE || s.table.compareVersion(slot, high, low) >= 0) return false
    if (expiresAt !== 0 && expiresAt <= now) {
      s.table.delete(slot)
      this.#bury(keyspace, key, version, now)
      this.#onChange?.(keyspace, key)
      return true
    }
    s.table.retime(slot, high, low, expiresAt)
    if (expiresAt !== 0) s.deadlines.push(expiresAt, slot, s.table)
    this.#onChange?.(keyspace, key)
    return true
  }

  /** Whether the key was deleted here lately (it has a live tombstone). */
  deleted (keyspace: string, key: string): boolean {
    return this.#tombstone(keyspace, key, this.#now()) !== undefined
  }

  /** The key's live tombstone (the delete's version, when it is forgotten), or undefined. */
  tombstoneOf (keyspace: string, key: string): Readonly<Tombstone> | undefined {
    return this.#tombstone(keyspace, key, this.#now())
  }

  /**
   * An entry read back from disk at start, for a key the store has never
   * held (no entry, no tombstone: each key has one record on disk): stored
   * without looking the key up first, which is half the cost of a load's
   * apply. Not announced (onChange): it is on disk already. False when it
   * is expired or larger than its keyspace's budget.
   */
  restoreEntry (keyspace: string, key: string, entry: StoredEntry): boolean {
    const s = this.#spaces.get(keyspace)
    const budget = s?.maxBytes ?? this.#defaultMaxBytes
    if (!storable(key, entry, budget, this.#now())) return false
    this.#put(keyspace, this.#spaceFor(keyspace, s, budget), key, NONE, entry, versionHigh(entry.version), versionLow(entry.version))
    return true
  }

  /** A tombstone read back from disk (persistence), kept until its own expiry rather than a fresh TTL. */
  restoreTombstone (keyspace: string, key: string, version: bigint, expiresAt: number): void {
    if (expiresAt <= this.#now() || this.peek(keyspace, key) !== undefined) return
    const t = this.#tombstone(keyspace, key, this.#now())
    if (t === undefined || t.version < version) this.#tombstones.set(tombstoneId(keyspace, key), { version, expiresAt })
  }

  /** Drops the key without a tombstone (used when this peer hands a key to its new owner). */
  drop (keyspace: string, key: string): void {
    const table = this.#spaces.get(keyspace)?.table
    const slot = table?.find(key) ?? NONE
    if (slot !== NONE) table?.delete(slot)
    this.#onChange?.(keyspace, key)
  }

  /** Empties a keyspace and forgets its budget and tombstones. */
  dropKeyspace (keyspace: string): void {
    const s = this.#spaces.get(keyspace)
    if (s !== undefined) {
      // Cleared, not just unlinked, so a running entries() and remembered slots see nothing more of it.
      s.table.clear()
      this.#spaces.delete(keyspace)
    }
    const prefix = tombstoneId(keyspace, '')
    for (const id of [...this.#tombstones.keys()]) {
      if (id.startsWith(prefix)) this.#tombstones.delete(id)
    }
    this.#onChange?.(keyspace, undefined)
  }

  /** Names of keyspaces holding at least one live entry or explicitly configured. */
  keyspaces (): string[] {
    const now = this.#now()
    const names: string[] = []
    for (const [name, s] of this.#spaces) {
      this.#expire(s, now)
      if (s.configured || s.table.size > 0) names.push(name)
    }
    return names
  }

  /** Every live tombstone: the keys deleted here lately, with the delete's version. */
  * tombstones (): IterableIterator<[keyspace: string, key: string, tombstone: Readonly<Tombstone>]> {
    for (const [id, tombstone] of [...this.#tombstones.entries()]) {
      if (tombstone.expiresAt <= this.#now()) continue
      const colon = id.indexOf(':')
      const length = Number(id.slice(0, colon))
      yield [id.slice(colon + 1, colon + 1 + length), id.slice(colon + 1 + length), tombstone]
    }
  }

  /**
   * Live entries, all keyspaces or one, most recently used first within a keyspace;
   * drop() while iterating is safe. An entry rewritten after the iteration reached
   * its keyspace is left out: the write that changed it reaches every owner itself.
   */
  * entries (keyspace?: string): IterableIterator<[keyspace: string, key: string, entry: StoredEntry]> {
    const names = keyspace === undefined ? [...this.#spaces.keys()] : [keyspace]
    for (const name of names) {
      const s = this.#spaces.get(name)
      if (s === undefined) continue
      this.#expire(s, this.#now())
      for (const [slot, generation] of s.table.snapshot()) {
        if (!s.table.current(slot, generation)) continue
        // The consumer may pause between items (e.g. across a network send), so re-read the clock.
        const expiresAt = s.table.expiresAt(slot)
        if (expiresAt !== 0 && expiresAt <= this.#now()) {
          s.table.delete(slot)
          continue
        }
        yield [name, s.table.key(slot), entryAt(s.table, slot)]
      }
    }
  }

  /**
   * Exact counts of live entries. Lists every keyspace the store knows, including one
   * emptied since (its evictions still count); keyspaces() lists only non-empty or configured ones.
   */
  stats (): StoreStats {
    const now = this.#now()
    const stats: StoreStats = { keys: 0, bytes: 0, evictions: 0, keyspaces: {} }
    const perSpace: Array<[string, KeyspaceStats]> = []
    for (const [name, s] of this.#spaces) {
      this.#expire(s, now)
      const k = { keys: s.table.size, bytes: s.table.bytes, maxBytes: s.maxBytes, evictions: s.evictions }
      stats.keys += k.keys
      stats.bytes += k.bytes
      stats.evictions += k.evictions
      perSpace.push([name, k])
    }
    // fromEntries defines own properties, so a keyspace named "__proto__" is just a name.
    stats.keyspaces = Object.fromEntries(perSpace)
    return stats
  }

  /** Removes every entry and tombstone and resets eviction counts; budgets set by configure() stay. */
  clear (): void {
    for (const [name, s] of this.#spaces) {
      s.table.clear()
      s.deadlines.clear()
      s.evictions = 0
      if (!s.configured) this.#spaces.delete(name)
    }
    this.#tombstones.clear()
  }

  #expire (s: Space, now: number): void {
    s.deadlines.popDue(now, slot => {
      // The heap may hold a stale deadline for a slot since rewritten or freed; trust the slot.
      const expiresAt = s.table.expiresAt(slot)
      if (expiresAt !== 0 && expiresAt <= now) s.table.delete(slot)
    })
  }

  /** The keyspace's space, made (with the default budget) on its first entry. */
  #spaceFor (keyspace: string, s: Space | undefined, budget: number): Space {
    if (s !== undefined) return s
    const made = newSpace(budget, false)
    this.#spaces.set(keyspace, made)
    return made
  }

  /** Writes the entry into `slot` (NONE: a new one), evicts down to the budget and schedules its expiry. */
  #put (keyspace: string, s: Space, key: string, slot: number, entry: StoredEntry, high: number, low: number): void {
    const stored = s.table.put(key, slot, entry.value, high, low, entry.expiresAt, entry.staleAt)
    evict(s, stored, keyspace, this.#onChange)
    if (entry.expiresAt !== 0) s.deadlines.push(entry.expiresAt, stored, s.table)
  }

  #tombstone (keyspace: string, key: string, now: number): Tombstone | undefined {
    if (this.#tombstones.size === 0) return undefined
    const id = tombstoneId(keyspace, key)
    const t = this.#tombstones.peek(id)
    if (t !== undefined && t.expiresAt <= now) {
      this.#tombstones.delete(id)
      return undefined
    }
    return t
  }

  #bury (keyspace: string, key: string, version: bigint, now: number): void {
    const t = this.#tombstone(keyspace, key, now)
    if (t !== undefined && t.version >= version) return
    this.#tombstones.set(tombstoneId(keyspace, key), { version, expiresAt: now + this.#tombstoneTtlMs })
  }
}

function newSpace (maxBytes: number, configured: boolean): Space {
  return { table: new Table(), maxBytes, configured, evictions: 0, deadlines: new Deadlines() }
}

/** Evicts least recently used entries, never `keep`, until the keyspace is within its budget. */
function evict (s: Space, keep: number, keyspace: string, onChange: StoreInit['onChange']): void {
  while (s.table.bytes > s.maxBytes && s.table.oldest !== NONE && s.table.oldest !== keep) {
    onChange?.(keyspace, s.table.key(s.table.oldest))
    s.table.delete(s.table.oldest)
    s.evictions++
  }
}

/** The key's slot when it holds a live entry; an expired one is removed on the way. */
function liveSlot (table: Table, key: string, now: number): number {
  const slot = table.find(key)
  if (slot === NONE) return NONE
  const expiresAt = table.expiresAt(slot)
  if (expiresAt !== 0 && expiresAt <= now) {
    table.delete(slot)
    return NONE
  }
  return slot
}

/** Neither expired already nor larger than the whole budget. */
function storable (key: string, entry: StoredEntry, budget: number, now: number): boolean {
  return (entry.expiresAt === 0 || entry.expiresAt > now) && entrySize(key, entry) <= budget
}

function entryAt (table: Table, slot: number): StoredEntry {
  const value = table.view(slot)
  const entry: StoredEntry = { value: allocBytes(value.byteLength), version: table.version(slot), expiresAt: table.expiresAt(slot) }
  entry.value.set(value)
  const staleAt = table.staleAtOf(slot)
  if (staleAt !== undefined) entry.staleAt = staleAt
  return entry
}

const versionHigh = (version: bigint): number => Number(version >> 32n)
const versionLow = (version: bigint): number => Number(version & 0xffffffffn)

/** Tombstones of all keyspaces share one LRU; the length prefix keeps ("a:", "b") and ("a", ":b") apart. */
function tombstoneId (keyspace: string, key: string): string {
  return `${keyspace.length}:${keyspace}${key}`
}

function positiveInt (name: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`)
  return n
}
