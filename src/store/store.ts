import { LRUCache } from 'lru-cache'
import { Deadlines } from './deadlines.js'

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
}

export interface KeyspaceStats { keys: number, bytes: number, maxBytes: number, evictions: number }
export interface StoreStats { keys: number, bytes: number, evictions: number, keyspaces: Record<string, KeyspaceStats> }

/**
 * Bytes an entry costs against its keyspace's budget: the value, the key as the
 * engine holds it (UTF-16, two bytes a code unit) and a flat 64 bytes standing for
 * the entry object, the bigint and the LRU's slot, so that a flood of tiny values
 * still fills the budget. Exported so callers can refuse a value before shipping it.
 */
export function entrySize (key: string, entry: StoredEntry): number {
  return entry.value.byteLength + key.length * 2 + 64
}

interface Tombstone { version: bigint, expiresAt: number }

interface Space {
  lru: LRUCache<string, StoredEntry>
  maxBytes: number
  /** Set by configure(): the budget and the name outlive the entries. */
  configured: boolean
  evictions: number
  deadlines: Deadlines
}

/*
 * Expiry and the budget. An entry's expiresAt is checked against now() lazily on
 * get/peek/entries, which keeps the hit path to one Map lookup, the LRU get and a
 * compare. So that dead entries neither hold budget that live ones need nor show
 * up in stats(), each keyspace also keeps a min-heap of deadlines, drained before
 * every write into the keyspace and before stats()/keyspaces()/entries()/configure().
 * Hence an LRU eviction only ever removes a live entry, and stats() is exact.
 *
 * lru-cache's own ttl would not do this: it purges stale entries only when they are
 * read or with ttlAutopurge, which arms a real setTimeout per entry (useless with an
 * injected clock), and its `now - start > ttl` test disagrees with `expiresAt <= now`
 * at the boundary and treats a start of 0 as "no ttl".
 */

export class Store {
  readonly #now: () => number
  readonly #defaultMaxBytes: number
  readonly #tombstoneTtlMs: number
  readonly #spaces = new Map<string, Space>()
  readonly #tombstones: LRUCache<string, Tombstone>

  constructor (init: StoreInit = {}) {
    this.#now = init.now ?? Date.now
    this.#defaultMaxBytes = positiveInt('defaultMaxBytes', init.defaultMaxBytes ?? 512 * 1024 * 1024)
    this.#tombstoneTtlMs = init.tombstoneTtlMs ?? 60_000
    if (!(this.#tombstoneTtlMs >= 0)) throw new RangeError('tombstoneTtlMs must be >= 0')
    this.#tombstones = new LRUCache({ max: positiveInt('maxTombstones', init.maxTombstones ?? 100_000) })
  }

  /** Sets (or changes) a keyspace's budget; shrinking evicts least-recently-used entries at once. */
  configure (keyspace: string, limits: KeyspaceLimits): void {
    const maxBytes = positiveInt('maxBytes', limits.maxBytes ?? this.#defaultMaxBytes)
    const s = this.#spaces.get(keyspace)
    if (s === undefined) {
      this.#spaces.set(keyspace, this.#newSpace(maxBytes, true))
      return
    }
    s.configured = true
    if (s.maxBytes === maxBytes) return
    // lru-cache fixes maxSize at construction, so a new budget means a new LRU.
    // Replaying oldest-first keeps the order and lets the budget push out the oldest.
    this.#expire(s, this.#now())
    const old = s.lru
    s.maxBytes = maxBytes
    s.lru = newLru(maxBytes, () => { s.evictions++ })
    // rentries() yields [key, value] pairs; its declared type is a loose (K | V)[].
    for (const [key, entry] of old.rentries() as Iterable<[string, StoredEntry]>) s.lru.set(key, entry)
  }

  /** The live entry, or undefined when absent or expired (an expired entry is removed on the way). Counts as a use for LRU. */
  get (keyspace: string, key: string): StoredEntry | undefined {
    const s = this.#spaces.get(keyspace)
    if (s === undefined) return undefined
    const e = s.lru.get(key)
    if (e === undefined) return undefined
    if (e.expiresAt !== 0 && e.expiresAt <= this.#now()) {
      s.lru.delete(key)
      return undefined
    }
    return e
  }

  /** Like get, but does not touch LRU order. */
  peek (keyspace: string, key: string): StoredEntry | undefined {
    const s = this.#spaces.get(keyspace)
    return s === undefined ? undefined : peekLive(s, key, this.#now())
  }

  /**
   * Stores the entry when its version is newer than both the live entry and any tombstone.
   * A newer entry that cannot be stored (already expired, or larger than the whole budget)
   * still supersedes what is here: the older entry goes and a tombstone takes its place,
   * so this peer never serves a value the writer has replaced.
   * The store keeps `entry` itself; do not mutate it afterwards.
   */
  apply (keyspace: string, key: string, entry: StoredEntry): boolean {
    const now = this.#now()
    let s = this.#spaces.get(keyspace)
    const live = s === undefined ? undefined : peekLive(s, key, now)
    if (live !== undefined) {
      // A live entry is always newer than the key's tombstone (see remove), so it alone decides.
      if (entry.version <= live.version) return false
    } else {
      const t = this.#tombstone(keyspace, key, now)
      if (t !== undefined && entry.version <= t.version) return false
    }
    const budget = s?.maxBytes ?? this.#defaultMaxBytes
    if ((entry.expiresAt !== 0 && entry.expiresAt <= now) || entrySize(key, entry) > budget) {
      if (live !== undefined) s?.lru.delete(key)
      this.#bury(keyspace, key, entry.version, now)
      return false
    }
    if (s === undefined) {
      s = this.#newSpace(budget, false)
      this.#spaces.set(keyspace, s)
    }
    this.#expire(s, now)
    s.lru.set(key, entry)
    if (entry.expiresAt !== 0) s.deadlines.push(entry.expiresAt, key, s.lru)
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
    const live = s === undefined ? undefined : peekLive(s, key, now)
    if (live !== undefined && version <= live.version) return false
    if (live !== undefined) s?.lru.delete(key)
    this.#bury(keyspace, key, version, now)
    return live !== undefined
  }

  /**
   * Versioned TTL change; counts as a use for LRU. Setting a deadline already past
   * removes the entry with a tombstone, as a newer already-expired apply() would.
   */
  touch (keyspace: string, key: string, expiresAt: number, version: bigint): boolean {
    const now = this.#now()
    const s = this.#spaces.get(keyspace)
    const live = s === undefined ? undefined : peekLive(s, key, now)
    if (s === undefined || live === undefined || version <= live.version) return false
    if (expiresAt !== 0 && expiresAt <= now) {
      s.lru.delete(key)
      this.#bury(keyspace, key, version, now)
      return true
    }
    // A fresh object rather than a mutation: callers may still hold the old one from get().
    s.lru.set(key, { value: live.value, version, expiresAt })
    if (expiresAt !== 0) s.deadlines.push(expiresAt, key, s.lru)
    return true
  }

  /** Whether the key was deleted here lately (it has a live tombstone). */
  deleted (keyspace: string, key: string): boolean {
    return this.#tombstone(keyspace, key, this.#now()) !== undefined
  }

  /** Drops the key without a tombstone (used when this peer hands a key to its new owner). */
  drop (keyspace: string, key: string): void {
    this.#spaces.get(keyspace)?.lru.delete(key)
  }

  /** Empties a keyspace and forgets its budget and tombstones. */
  dropKeyspace (keyspace: string): void {
    const s = this.#spaces.get(keyspace)
    if (s !== undefined) {
      // Cleared, not just unlinked, so a running entries() sees nothing more of it.
      s.lru.clear()
      this.#spaces.delete(keyspace)
    }
    const prefix = tombstoneId(keyspace, '')
    for (const id of [...this.#tombstones.keys()]) {
      if (id.startsWith(prefix)) this.#tombstones.delete(id)
    }
  }

  /** Names of keyspaces holding at least one live entry or explicitly configured. */
  keyspaces (): string[] {
    const now = this.#now()
    const names: string[] = []
    for (const [name, s] of this.#spaces) {
      this.#expire(s, now)
      if (s.configured || s.lru.size > 0) names.push(name)
    }
    return names
  }

  /** Live entries, all keyspaces or one, most recently used first within a keyspace; drop() while iterating is safe. */
  * entries (keyspace?: string): IterableIterator<[keyspace: string, key: string, entry: StoredEntry]> {
    const names = keyspace === undefined ? [...this.#spaces.keys()] : [keyspace]
    for (const name of names) {
      const s = this.#spaces.get(name)
      if (s === undefined) continue
      this.#expire(s, this.#now())
      for (const key of [...s.lru.keys()]) {
        // The consumer may pause between items (e.g. across a network send), so re-read the clock.
        const e = peekLive(s, key, this.#now())
        if (e !== undefined) yield [name, key, e]
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
      const k = { keys: s.lru.size, bytes: s.lru.calculatedSize, maxBytes: s.maxBytes, evictions: s.evictions }
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
      s.lru.clear()
      s.deadlines.clear()
      s.evictions = 0
      if (!s.configured) this.#spaces.delete(name)
    }
    this.#tombstones.clear()
  }

  #newSpace (maxBytes: number, configured: boolean): Space {
    const s: Space = { lru: newLru(maxBytes, () => { s.evictions++ }), maxBytes, configured, evictions: 0, deadlines: new Deadlines() }
    return s
  }

  #expire (s: Space, now: number): void {
    s.deadlines.popDue(now, key => {
      // The heap may hold a stale deadline for a key since rewritten; trust the entry.
      const e = s.lru.peek(key)
      if (e !== undefined && e.expiresAt !== 0 && e.expiresAt <= now) s.lru.delete(key)
    })
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

function newLru (maxBytes: number, onEvict: () => void): LRUCache<string, StoredEntry> {
  return new LRUCache<string, StoredEntry>({
    maxSize: maxBytes,
    sizeCalculation: (entry, key) => entrySize(key, entry),
    // Only the budget's doing counts; deletes, overwrites and expiry are not evictions.
    dispose: (_entry, _key, reason) => { if (reason === 'evict') onEvict() }
  })
}

function peekLive (s: Space, key: string, now: number): StoredEntry | undefined {
  const e = s.lru.peek(key)
  if (e === undefined) return undefined
  if (e.expiresAt !== 0 && e.expiresAt <= now) {
    s.lru.delete(key)
    return undefined
  }
  return e
}

/** Tombstones of all keyspaces share one LRU; the length prefix keeps ("a:", "b") and ("a", ":b") apart. */
function tombstoneId (keyspace: string, key: string): string {
  return `${keyspace.length}:${keyspace}${key}`
}

function positiveInt (name: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`)
  return n
}
