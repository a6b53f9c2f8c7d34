import { LRUCache } from 'lru-cache'
import { coarseClock } from '../util/coarse-clock.js'
import { compacted } from '../util/pool.js'
import { RecentMap } from '../util/recent.js'
import { entryId } from '../values.js'

export interface NearEntry {
  value: Uint8Array
  version: bigint
  /** Absolute epoch ms, 0 = never (the entry's own TTL, from its owner). */
  expiresAt: number
  /** The entry's own, from its owner: past it, plain reads treat the copy as absent. */
  staleAt?: number
  /** The owner that served this copy: a gap in its invalidations drops it. */
  owner: string
  fetchedAt: number
}

/** What the near cache holds: the copy, its id there, and whether it still does. */
interface HeldEntry extends NearEntry {
  id: string
  /** Set when the copy leaves (evicted, replaced, invalidated, dropped): a reader that remembered it sees so. */
  dropped: boolean
  /** NearCache.moves when it last went to the LRU's newest end. */
  movedAt: number
  /** Fresh before this epoch ms: the sooner of its expiry and its staleness limit. */
  freshUntil: number
}

export interface NearCacheInit {
  maxEntries: number
  /** Longest a copy is served without hearing from its owner, whatever gossip lost. */
  maxStalenessMs: number
  now?: () => number
  /** Called with a copy's id (entryId) whenever it is stored or leaves, for whoever keeps a copy of the copies (persist). */
  onChange?: (id: string) => void
}

/**
 * Copies of other owners' entries kept by a reader. An invalidation newer
 * than a copy drops it; the newest invalidation version of recently touched
 * keys is remembered (by key, across keyspaces) so that a read answered
 * before a write cannot store its older copy after the invalidation has
 * already passed by.
 */
export class NearCache {
  private readonly entries: LRUCache<string, HeldEntry> | undefined
  private readonly invalidated: RecentMap<string, bigint> | undefined
  private readonly init: NearCacheInit
  private readonly now: () => number
  /** For hit(), which a remembered copy's every read calls (util/coarse-clock.ts). */
  private readonly hitNow: () => number
  /** How many times a copy went to the LRU's newest end: by set, by get, by a hit that moved it. */
  private moves = 0
  /** hit() moves a copy only once this many moves passed it (see hit). */
  private readonly moveAfter: number
  hits = 0
  misses = 0

  constructor (init: NearCacheInit) {
    this.init = init
    this.now = init.now ?? Date.now
    this.hitNow = coarseClock(this.now)
    this.moveAfter = Math.max(1, Math.floor(init.maxEntries / 2))
    if (init.maxEntries > 0) {
      const { onChange } = init
      this.entries = new LRUCache({
        max: init.maxEntries,
        dispose: onChange === undefined ? entry => { entry.dropped = true } : (entry, id) => { entry.dropped = true; onChange(id) }
      })
      this.invalidated = new RecentMap(Math.max(1024, init.maxEntries))
    }
  }

  /** maxEntries 0 turns the near cache off. */
  get enabled (): boolean {
    return this.entries != null
  }

  get size (): number {
    return this.entries?.size ?? 0
  }

  get (keyspace: string, key: string): NearEntry | undefined {
    if (this.entries == null) return undefined
    const id = entryId(keyspace, key)
    const entry = this.entries.get(id)
    if (entry != null) {
      const now = this.now()
      if (now - entry.fetchedAt <= this.init.maxStalenessMs && (entry.expiresAt === 0 || entry.expiresAt > now)) {
        this.hits++
        entry.movedAt = ++this.moves
        return entry
      }
      this.entries.delete(id)
    }
    this.misses++
    return undefined
  }

  set (keyspace: string, key: string, entry: NearEntry): void {
    if (this.hold(keyspace, key, entry)) this.init.onChange?.(entryId(keyspace, key))
  }

  /**
   * A copy kept from before a restart (persist): held like one just read,
   * while its staleness limit has not passed, and not announced as a
   * change; returns whether it is held.
   */
  restore (keyspace: string, key: string, entry: NearEntry): boolean {
    return entry.fetchedAt + this.init.maxStalenessMs > this.now() && this.hold(keyspace, key, entry)
  }

  /** The copy as held, with no hit counted and no LRU move: for persist, which writes it out. */
  held (id: string): NearEntry | undefined {
    return this.entries?.peek(id)
  }

  private hold (keyspace: string, key: string, entry: NearEntry): boolean {
    if (this.entries == null) return false
    const dropped = this.invalidated?.get(key)
    if (dropped != null && dropped > entry.version) return false
    const id = entryId(keyspace, key)
    const known = this.entries.peek(id)
    if (known != null && known.version > entry.version) return false
    // A value read off the wire is a view into its frame: kept alone, it would keep the whole frame.
    // Built field by field: every held copy has one shape, so hit() reads it without a lookup by name.
    this.entries.set(id, {
      value: compacted(entry.value),
      version: entry.version,
      expiresAt: entry.expiresAt,
      staleAt: entry.staleAt,
      owner: entry.owner,
      fetchedAt: entry.fetchedAt,
      id,
      dropped: false,
      movedAt: ++this.moves,
      freshUntil: Math.min(entry.fetchedAt + this.init.maxStalenessMs + 1, entry.expiresAt === 0 ? Infinity : entry.expiresAt)
    })
    return true
  }

  /**
   * A copy get() returned once, read again (local reads remember them): true,
   * counted as a hit, while the cache still holds it and it is fresh. No id
   * to build, and the LRU is touched only when the copy may be in its older
   * half: a copy with fewer than maxEntries/2 moves since its own cannot be
   * next to go (that takes maxEntries - 1 newer ones), so moving it again
   * would change no eviction that is near. The price: recency among the
   * newer half is as of each copy's last move, as memcached bumps an item at
   * most once a minute.
   */
  hit (entry: NearEntry): boolean {
    const held = entry as HeldEntry
    if (held.dropped || held.freshUntil <= this.hitNow()) return false
    if (this.moves - held.movedAt >= this.moveAfter) {
      this.entries!.get(held.id)
      held.movedAt = ++this.moves
    }
    this.hits++
    return true
  }

  /** Drops the copy when it is older than `version`; returns whether it did. */
  invalidate (keyspace: string, key: string, version: bigint): boolean {
    if (this.entries == null) return false
    // By key alone, whatever its keyspace: versions are clock stamps across
    // keyspaces, so a key's newest drop in another keyspace only ever keeps a
    // copy out (a miss later), never an old one in. No joined id to build:
    // an owner records one for every write it applies.
    const previous = this.invalidated?.get(key)
    if (previous == null || previous < version) this.invalidated?.set(key, version)
    if (this.entries.size === 0) return false
    const id = entryId(keyspace, key)
    const entry = this.entries.peek(id)
    if (entry == null || entry.version >= version) return false
    this.entries.delete(id)
    return true
  }

  delete (keyspace: string, key: string): void {
    this.entries?.delete(entryId(keyspace, key))
  }

  /** Drops every copy served by `owner`; returns how many. */
  dropOwner (owner: string): number {
    return this.dropWhere((_id, entry) => entry.owner === owner)
  }

  dropKeyspace (keyspace: string): number {
    const prefix = entryId(keyspace, '')
    return this.dropWhere(id => id.startsWith(prefix))
  }

  clear (): void {
    this.entries?.clear()
    this.invalidated?.clear()
  }

  private dropWhere (test: (id: string, entry: NearEntry) => boolean): number {
    if (this.entries == null) return 0
    const doomed: string[] = []
    for (const [id, entry] of this.entries.entries()) {
      if (test(id, entry)) doomed.push(id)
    }
    for (const id of doomed) this.entries.delete(id)
    return doomed.length
  }
}
