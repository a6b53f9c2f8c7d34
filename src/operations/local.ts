import { ErrorCodes, MeshCacheError } from '../errors.js'
import { isFresh } from './entries.js'
import { coarseClock } from '../util/coarse-clock.js'
import { checkKey, decodeValue, isMissMarker } from '../values.js'
import type { OperationComponents } from './components.js'
import type { NearEntry } from '../invalidation/near-cache.js'
import type { Table } from '../store/index.js'
import type { Value } from '../values.js'

export type LocalComponents = Pick<OperationComponents, 'self' | 'store' | 'near' | 'view' | 'now'>

/** Keys remembered per keyspace before the memory starts afresh. */
const MAX_REMEMBERED = 32_768

const UNDECODED: unique symbol = Symbol('undecoded')

/**
 * What a read remembers of a key: where its entry sits in the store while
 * this peer owns it, or else the near copy get() found; and the value
 * decoded once when that is safe to share. One class for both, so the hit
 * path sees one shape.
 */
class Remembered {
  constructor (
    /** The owned entry's table and slot; undefined for a near copy. */
    readonly table: Table | undefined,
    readonly slot: number,
    readonly generation: number,
    /** The entry's, copied: while the generation holds, so does the expiry. */
    readonly expiresAt: number,
    readonly copy: NearEntry | undefined,
    /** A string, number, boolean or null, shared by every read; UNDECODED: an object or bytes, decoded afresh each time. */
    readonly value: Value | typeof UNDECODED
  ) {}
}

const shareable = (value: Value): Value | typeof UNDECODED => value === null || typeof value !== 'object' ? value : UNDECODED

/**
 * The reads a peer answers alone, in one keyspace: its own entry while it
 * owns the key, else a fresh near copy. The hot path of `get` and `peek`:
 * a key read again finds, in one Map lookup, its slot in the store (checked
 * by generation and expiry, so any write, delete or eviction since is seen)
 * and a primitive value decoded once; a view change forgets them all. Hashing the key,
 * finding its owners and decoding its value are paid on its first read.
 */
export class LocalReads {
  private readonly c: LocalComponents
  private readonly keyspace: string
  private readonly closed: () => boolean
  /** Held here as well as in `c`: on the hit path each property hop shows. */
  private readonly near: LocalComponents['near']
  /** For expiry checks on hits (util/coarse-clock.ts). */
  private readonly now: () => number
  private remembered = new Map<string, Remembered>()

  constructor (components: LocalComponents, keyspace: string, closed: () => boolean = () => false) {
    this.c = components
    this.keyspace = keyspace
    this.closed = closed
    this.near = components.near
    this.now = coarseClock(components.now)
    // Remembered only while owned: a new view may have given the key away.
    components.view.onChange(() => { this.forget() })
  }

  forget (): void {
    this.remembered = new Map()
  }

  /**
   * The key's value when this peer can answer alone; undefined (never a
   * value) when it must ask: it has no copy, or a stale one, or a cached
   * miss. Throws ERR_INVALID_KEY for a key that is not one: only valid keys
   * are ever remembered, so a key found there needs no check.
   */
  read (key: string): Value | undefined {
    const known = this.remembered.get(key)
    if (known !== undefined) {
      const table = known.table
      if (table !== undefined) {
        // An expired one is left to lookUp, whose store lookup removes it.
        if (table.current(known.slot, known.generation) && (known.expiresAt === 0 || known.expiresAt > this.now())) {
          table.use(known.slot)
          return known.value === UNDECODED ? decodeValue(table.view(known.slot)) : known.value
        }
      } else if (this.near.hit(known.copy!)) {
        return known.value === UNDECODED ? decodeValue(known.copy!.value) : known.value
      }
    }
    return this.lookUp(key)
  }

  /**
   * read, without the decode: a copy of the stored bytes (a tag, then JSON
   * text or the bytes), for a caller that sends them on as they are (the
   * HTTP API); undefined when it must ask, or when the entry is one that is
   * checked on every read (stale-while-revalidate). A key not remembered yet
   * is looked up, and so remembered, first.
   */
  readEncoded (key: string): Uint8Array | undefined {
    let bytes = this.heldBytes(this.remembered.get(key))
    if (bytes === undefined && this.lookUp(key) !== undefined) bytes = this.heldBytes(this.remembered.get(key))
    // A copy: the store's view is good only until its next write, which an await lets in.
    return bytes?.slice()
  }

  /** A remembered entry's bytes while it still holds, checked as read checks it. */
  private heldBytes (known: Remembered | undefined): Uint8Array | undefined {
    if (known === undefined) return undefined
    const table = known.table
    if (table === undefined) return this.near.hit(known.copy!) ? known.copy!.value : undefined
    if (!table.current(known.slot, known.generation) || (known.expiresAt !== 0 && known.expiresAt <= this.now())) return undefined
    table.use(known.slot)
    return table.view(known.slot)
  }

  private lookUp (key: string): Value | undefined {
    if (this.closed()) throw new MeshCacheError(ErrorCodes.CLOSED, 'the cache is stopped')
    checkKey(key)
    const { self, store, near, view, now } = this.c
    if (!view.owners(this.keyspace, key).includes(self)) {
      const copy = near.get(this.keyspace, key)
      if (copy == null || !isFresh(copy, now())) return undefined
      const value = decodeValue(copy.value)
      // One that turns stale with time is checked on every read, never remembered.
      if (copy.staleAt == null || copy.staleAt === 0) this.remember(key, new Remembered(undefined, -1, -1, 0, copy, shareable(value)))
      return value
    }
    const at = store.locate(this.keyspace, key)
    if (at === undefined) return undefined
    const { table, slot } = at
    const bytes = table.view(slot)
    if (isMissMarker(bytes)) return undefined
    // A stale-while-revalidate entry turns stale with time: checked on every read, never remembered.
    const staleAt = table.staleAtOf(slot)
    if (staleAt !== undefined) return staleAt > now() ? decodeValue(bytes) : undefined
    const value = decodeValue(bytes)
    this.remember(key, new Remembered(table, slot, table.generation(slot), table.expiresAt(slot), undefined, shareable(value)))
    return value
  }

  private remember (key: string, known: Remembered): void {
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered = new Map()
    this.remembered.set(key, known)
  }
}

/**
 * The LocalReads of every keyspace, one per name, shared by every handle on
 * it. `close` is how a stopping cache refuses local reads: every remembered
 * key is forgotten, and the path a read then takes throws ERR_CLOSED. A hit
 * pays for no check of its own.
 */
export class LocalTier {
  private readonly c: LocalComponents
  private readonly byName = new Map<string, LocalReads>()
  private closed = false

  constructor (components: LocalComponents) {
    this.c = components
  }

  of (keyspace: string): LocalReads {
    let reads = this.byName.get(keyspace)
    if (reads === undefined) {
      reads = new LocalReads(this.c, keyspace, () => this.closed)
      this.byName.set(keyspace, reads)
    }
    return reads
  }

  close (): void {
    this.closed = true
    for (const reads of this.byName.values()) reads.forget()
  }
}
