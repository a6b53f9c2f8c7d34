import { isFresh } from './entries.js'
import { checkKey, decodeCached, decodeValue, isMissMarker } from '../values.js'
import type { OperationComponents } from './components.js'
import type { Table } from '../store/index.js'
import type { Value } from '../values.js'

export type LocalComponents = Pick<OperationComponents, 'self' | 'store' | 'near' | 'view' | 'now'>

/** What a local read returns when this peer has no fresh copy: the caller asks the owners (get) or answers undefined (peek). */
export const ABSENT: unique symbol = Symbol('absent')

/** Keys remembered per keyspace before the memory starts afresh. */
const MAX_REMEMBERED = 32_768

/** Where a key this peer owns sits in the store, and its value decoded once when that is safe to share. */
interface Remembered {
  table: Table
  slot: number
  generation: number
  /** A string, number, boolean or null, shared by every read; UNDECODED: an object or bytes, decoded afresh each time. */
  value: Value | typeof UNDECODED
}

const UNDECODED: unique symbol = Symbol('undecoded')

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
  private remembered = new Map<string, Remembered>()

  constructor (components: LocalComponents, keyspace: string) {
    this.c = components
    this.keyspace = keyspace
    // Remembered only while owned: a new view may have given the key away.
    components.view.onChange(() => { this.remembered = new Map() })
  }

  /**
   * The key's value when this peer can answer alone; ABSENT when it must ask
   * (or when the entry is stale or a cached miss). Throws ERR_INVALID_KEY for
   * a key that is not one: only valid keys are ever remembered, so a key
   * found there needs no check.
   */
  read (key: string): Value | typeof ABSENT {
    const known = this.remembered.get(key)
    if (known !== undefined && this.c.store.hit(known.table, known.slot, known.generation)) {
      return known.value === UNDECODED ? decodeValue(known.table.view(known.slot)) : known.value
    }
    return this.lookUp(key)
  }

  private lookUp (key: string): Value | typeof ABSENT {
    checkKey(key)
    const { self, store, near, view, now } = this.c
    if (!view.owners(this.keyspace, key).includes(self)) {
      const copy = near.get(this.keyspace, key)
      return copy != null && isFresh(copy, now()) ? decodeCached(copy.value) : ABSENT
    }
    const at = store.locate(this.keyspace, key)
    if (at === undefined) return ABSENT
    const { table, slot } = at
    const bytes = table.view(slot)
    if (isMissMarker(bytes)) return ABSENT
    // A stale-while-revalidate entry turns stale with time: checked on every read, never remembered.
    const staleAt = table.staleAtOf(slot)
    if (staleAt !== undefined) return staleAt > now() ? decodeValue(bytes) : ABSENT
    const value = decodeValue(bytes)
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered = new Map()
    this.remembered.set(key, {
      table,
      slot,
      generation: table.generation(slot),
      value: value === null || typeof value !== 'object' ? value : UNDECODED
    })
    return value
  }
}

/** One LocalReads per keyspace name, shared by every handle on it. */
export function localReads (components: LocalComponents): (keyspace: string) => LocalReads {
  const byName = new Map<string, LocalReads>()
  return keyspace => {
    let reads = byName.get(keyspace)
    if (reads === undefined) {
      reads = new LocalReads(components, keyspace)
      byName.set(keyspace, reads)
    }
    return reads
  }
}
