import { ErrorCodes, MeshCacheError } from './errors.js'
import { expiryFor } from './operations/components.js'
import { deleteKeys } from './operations/delete.js'
import { expireKey } from './operations/expire.js'
import { isFresh } from './operations/entries.js'
import { checkKeyspaceOptions } from './options.js'
import { checkKey, checkName, checkTtl, decodeCached, decodeValue, encodeValue, isMissMarker } from './values.js'
import type { StoredEntry } from './store/index.js'
import type { KeyspaceConfig, Loader, OperationComponents } from './operations/components.js'
import type { GetOperation } from './operations/get.js'
import type { LocalReads, LocalTier } from './operations/local.js'
import type { ReadThroughOperation } from './operations/get-or-load.js'
import type { EncodedWrite, SetOperation } from './operations/set.js'
import type { KeyspaceOptions } from './options.js'
import type { Store } from './store/index.js'
import type { Value } from './values.js'

export interface SetOptions {
  /** Time to live in ms; 0 = never expires. Default: the keyspace's ttlMs, else the cache's defaultTtlMs. */
  ttlMs?: number
}

export interface GetOrLoadOptions extends SetOptions {}

/** One entry of setMany: a `[key, value]` pair (as for `new Map(...)`) or an object with its own TTL. */
export type SetManyEntry = [key: string, value: Value] | { key: string, value: Value, ttlMs?: number }

export type KeyspaceComponents = Pick<OperationComponents, 'clock' | 'near' | 'fanOut' | 'counters' | 'keyspaces' | 'settings' | 'now' | 'view'> & {
  /** The local and near reads of each keyspace (operations/local.ts). */
  local: Pick<LocalTier, 'of'>
  get: GetOperation
  set: SetOperation
  readThrough: ReadThroughOperation
  /** Throws ERR_CLOSED once the cache is stopping. */
  guard: () => void
}

/** Checks a keyspace's options and configures it on this peer (its budget in the store). */
export function configureKeyspace (keyspaces: Map<string, KeyspaceConfig>, store: Pick<Store, 'configure'>, name: string, options: KeyspaceOptions): void {
  checkName(name, 'keyspace')
  checkKeyspaceOptions(options)
  const config = { ...keyspaces.get(name), ...options }
  keyspaces.set(name, config)
  if (config.maxBytes != null) store.configure(name, { maxBytes: config.maxBytes })
}

/**
 * The cache's operations scoped to one keyspace. `cache.keyspace(name)` hands
 * one out; the cache itself forwards to its 'default' keyspace. Every method
 * checks all of its input before anything is sent, so bad input never leaves
 * half a batch written.
 */
export class Keyspace {
  readonly name: string
  private readonly c: KeyspaceComponents
  private readonly local: LocalReads
  /** Held here as well as in `c`: the hit path (peek, get) is short enough that each property hop shows (bench/local.ts). */
  private readonly counters: KeyspaceComponents['counters']
  private readonly guard: () => void

  constructor (components: KeyspaceComponents, name: string) {
    this.c = components
    this.name = name
    this.local = components.local.of(name)
    this.counters = components.counters
    this.guard = components.guard
  }

  async get (key: string): Promise<Value | undefined> {
    this.guard()
    // A near or local hit, the common case, skips getMany's batching and arrays (read checks the key).
    const value = this.local.read(key)
    if (value !== undefined) {
      this.counters.hits++
      return value
    }
    const entry = await this.fetchOne(key)
    return this.valueOf(entry != null && isFresh(entry, this.c.now()) ? entry : undefined)
  }

  /**
   * get, without decoding: the value as stored (a tag byte, then JSON text or
   * the bytes; values.ts), a copy, for a server that sends it on as it is
   * (the HTTP API). Counts a hit or a miss, as get.
   */
  async getEncoded (key: string): Promise<Uint8Array | undefined> {
    this.guard()
    const held = this.local.readEncoded(key)
    if (held !== undefined) {
      this.counters.hits++
      return held
    }
    const entry = await this.fetchOne(key)
    if (entry == null || !isFresh(entry, this.c.now())) {
      this.counters.misses++
      return undefined
    }
    this.counters.hits++
    return entry.value
  }

  /** Past the local and near tiers: the key's entry, fresh or not. Not async: one promise less on the way. */
  private fetchOne (key: string): Promise<StoredEntry | undefined> {
    const owners = this.c.view.owners(this.name, key)
    return this.c.get.fetch(this.name, key, this.c.get.local(this.name, key, owners), owners)
  }

  /**
   * Synchronous: this peer's entry while it owns the key, else a fresh near
   * copy, else undefined. Never asks the network; counts a hit or a miss.
   * Once the cache stops, read throws ERR_CLOSED itself (LocalTier.close).
   */
  peek (key: string): Value | undefined {
    const value = this.local.read(key)
    if (value === undefined) {
      this.counters.misses++
      return undefined
    }
    this.counters.hits++
    return value
  }

  async getMany (keys: string[]): Promise<Array<Value | undefined>> {
    this.checkKeys(keys)
    const entries = await this.readable(keys)
    return entries.map(entry => this.valueOf(entry))
  }

  /** A readable entry's value, counted as a hit; none, as a miss. */
  private valueOf (entry: StoredEntry | undefined): Value | undefined {
    if (entry == null) {
      this.c.counters.misses++
      return undefined
    }
    this.c.counters.hits++
    return decodeCached(entry.value)
  }

  async has (key: string): Promise<boolean> {
    this.checkKeys([key])
    const [entry] = await this.readable([key])
    return entry != null
  }

  /** Milliseconds the key has left; -1 when it never expires; undefined when absent. */
  async ttl (key: string): Promise<number | undefined> {
    this.checkKeys([key])
    const [entry] = await this.readable([key])
    if (entry == null) return undefined
    // The TTL the writer gave ends where the value turns stale.
    const end = entry.staleAt ?? entry.expiresAt
    return end === 0 ? -1 : Math.max(0, end - this.c.now())
  }

  async set (key: string, value: Value, options: SetOptions = {}): Promise<void> {
    this.c.guard()
    await this.c.set.writeOne(this.name, this.encoded(key, value, options.ttlMs))
  }

  async setMany (entries: Iterable<SetManyEntry>): Promise<void> {
    this.c.guard()
    const writes: EncodedWrite[] = []
    for (const item of entries) {
      const { key, value, ttlMs } = Array.isArray(item) ? { key: item[0], value: item[1], ttlMs: undefined } : item
      writes.push(this.encoded(key, value, ttlMs))
    }
    if (writes.length > 0) await this.c.set.write(this.name, writes)
  }

  /** A write checked and encoded: key, TTL and value, then its expiry. */
  private encoded (key: string, value: Value, ttlMs: number | undefined): EncodedWrite {
    checkKey(key)
    if (ttlMs !== undefined) checkTtl(ttlMs)
    return { key, value: encodeValue(value, this.c.settings.maxValueBytes), ...expiryFor(this.c, this.name, ttlMs) }
  }

  /** Resolves true when the key existed. */
  async delete (key: string): Promise<boolean> {
    return (await this.deleteMany([key])) > 0
  }

  /** Resolves with how many of the keys existed. */
  async deleteMany (keys: string[]): Promise<number> {
    this.checkKeys(keys)
    if (keys.length === 0) return 0
    const found = await deleteKeys(this.c, this.name, keys)
    return found.filter(Boolean).length
  }

  /** Gives an existing key a new TTL (0 = never expires); resolves false when the key is absent. */
  async expire (key: string, ttlMs: number): Promise<boolean> {
    this.checkKeys([key])
    checkTtl(ttlMs)
    return expireKey(this.c, this.name, key, ttlMs > 0 ? this.c.now() + ttlMs : 0)
  }

  /**
   * Read-through: the value, or the loader's value when the key is missing —
   * loaded once mesh-wide however many peers ask at once. The loader defaults
   * to the keyspace's `load`. A loader returning undefined caches nothing,
   * unless the keyspace has `missTtlMs`: then the miss itself is cached. In a
   * keyspace with `staleMs`, a value past its TTL is still served for up to
   * staleMs while one asker mesh-wide refreshes it in the background.
   */
  async getOrLoad (key: string, loader?: Loader, options: GetOrLoadOptions = {}): Promise<Value | undefined> {
    this.checkKeys([key])
    if (loader !== undefined && typeof loader !== 'function') {
      throw new MeshCacheError(ErrorCodes.INVALID_OPTION, 'loader must be a function')
    }
    if (options.ttlMs !== undefined) checkTtl(options.ttlMs)
    const { entry, loaded } = await this.c.readThrough.getOrLoad(this.name, key, loader, options.ttlMs)
    // A call that had to run the loader found the key missing: a miss, whatever it loaded.
    if (entry == null || isMissMarker(entry.value)) { this.c.counters.misses++; return undefined }
    if (loaded) this.c.counters.misses++
    else this.c.counters.hits++
    return decodeValue(entry.value)
  }

  /** The peers that own the key under the current view, primary first. */
  ownersOf (key: string): string[] {
    checkKey(key)
    return [...this.c.view.owners(this.name, key)]
  }

  /** Entries plain reads may serve: cached misses and stale values count as absent. */
  private async readable (keys: string[]): Promise<Array<StoredEntry | undefined>> {
    const now = this.c.now()
    return (await this.c.get.entries(this.name, keys)).map(entry => entry != null && isFresh(entry, now) ? entry : undefined)
  }

  private checkKeys (keys: string[]): void {
    this.c.guard()
    if (!Array.isArray(keys)) throw new MeshCacheError(ErrorCodes.INVALID_KEY, 'keys must be an array of strings')
    for (const key of keys) checkKey(key)
  }
}
