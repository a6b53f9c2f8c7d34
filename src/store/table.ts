import { utf8Length, writeUtf8 } from '../util/utf8.js'
import { Slab } from './slab.js'

export const NONE = -1
const FIRST_SLOTS = 16
/** The index grows past this share of its cells in use (linear probing stays short). */
const MAX_LOAD = 0.75
/** A record: key bytes (u16), key UTF-16 units (u16), value bytes (u32), then the key and the value. */
const HEADER = 8
const decoder = new TextDecoder()
/** Per process: a peer cannot pick keys that all land on one cell (the index would crawl). */
const SEED = (Math.random() * 2 ** 32) >>> 0

/**
 * The bytes an entry costs against its keyspace's budget: the value, the key
 * as the engine would hold it (UTF-16, two bytes a code unit) and a flat 64
 * bytes of bookkeeping, so that a flood of tiny values still fills the budget.
 * The formula, not the table's real layout, is the contract: budgets stay
 * what users configured against.
 */
export function entryCost (keyUnits: number, valueBytes: number): number {
  return valueBytes + keyUnits * 2 + 64
}

/**
 * One keyspace's entries without an object per entry. An open-addressing
 * index of slot numbers; per slot, where its record is, its version (two
 * 32-bit halves) and expiry side by side, its LRU links side by side, and a
 * generation that changes whenever the slot does; the records (lengths, key
 * and value bytes) in a Slab. A lookup touches the index, the location and
 * the record: the fields it reads together sit together. Under 50 bytes per
 * entry besides its key and value bytes, where a Map of objects, BigInts and
 * Uint8Arrays took ~500 (bench/memory.ts). Readers may remember (slot,
 * generation) pairs and check them with `current`.
 */
export class Table {
  private index = new Int32Array(FIRST_SLOTS * 2)
  private capacity = 0
  private nextFree = NONE
  private high = 0
  private slab = new Slab()
  private at = new Float64Array(0)
  /** Per slot: version high, version low, then the expiry as a float64 (words 2-3). */
  private meta = new Uint32Array(0)
  private expiry = new Float64Array(0)
  /** Per slot: the newer neighbour, then the older one. */
  private links = new Int32Array(0)
  private generations = new Uint32Array(0)
  /** Only for the few entries of stale-while-revalidate keyspaces. */
  private readonly staleAt = new Map<number, number>()
  private mru = NONE
  private lru = NONE
  /** Live entries. */
  size = 0
  /** Their costs (entryCost) summed. */
  bytes = 0

  /** The key's slot, or NONE. */
  find (key: string): number {
    const mask = this.index.length - 1
    for (let cell = hashOf(key) & mask; ; cell = (cell + 1) & mask) {
      const slot = this.index[cell] - 1
      if (slot < 0) return NONE
      if (this.holds(slot, key)) return slot
    }
  }

  /**
   * Stores the entry under the key: in `slot` when the key has one already
   * (find's answer), else in a new slot. Either way it becomes the most
   * recently used entry and its generation changes. Returns its slot.
   */
  put (key: string, slot: number, value: Uint8Array, versionHigh: number, versionLow: number, expiresAt: number, staleAt?: number): number {
    const keyLength = utf8Length(key)
    if (keyLength > 0xffff) throw new RangeError('key longer than 65535 bytes')
    const length = HEADER + keyLength + value.byteLength
    if (slot === NONE) {
      slot = this.newSlot(hashOf(key))
      this.at[slot] = this.slab.alloc(length)
    } else {
      const held = this.recordLength(slot)
      this.bytes -= this.costOf(slot)
      this.unlink(slot)
      // A record of the same length (the same key, a value of the same size) is written over the old one.
      if (length !== held) {
        this.slab.free(this.at[slot], held)
        this.at[slot] = this.slab.alloc(length)
      }
    }
    const chunk = this.slab.chunk(this.at[slot])
    const offset = this.slab.offset(this.at[slot])
    chunk[offset] = keyLength
    chunk[offset + 1] = keyLength >>> 8
    chunk[offset + 2] = key.length
    chunk[offset + 3] = key.length >>> 8
    writeUint32(chunk, offset + 4, value.byteLength)
    writeUtf8(key, keyLength, chunk, offset + HEADER)
    chunk.set(value, offset + HEADER + keyLength)
    this.meta[slot * 4] = versionHigh
    this.meta[slot * 4 + 1] = versionLow
    this.expiry[slot * 2 + 1] = expiresAt
    if (staleAt !== undefined && staleAt !== 0) this.staleAt.set(slot, staleAt)
    else if (this.staleAt.size > 0) this.staleAt.delete(slot)
    this.generations[slot]++
    this.bytes += entryCost(key.length, value.byteLength)
    this.linkNewest(slot)
    if (this.slab.wasteful) this.compact()
    return slot
  }

  /** A new version and expiry for the slot's entry, its value kept; a new generation, and most recently used. */
  retime (slot: number, versionHigh: number, versionLow: number, expiresAt: number): void {
    this.meta[slot * 4] = versionHigh
    this.meta[slot * 4 + 1] = versionLow
    this.expiry[slot * 2 + 1] = expiresAt
    this.staleAt.delete(slot)
    this.generations[slot]++
    this.use(slot)
  }

  /** Removes the slot's entry; its slot is reused later with a new generation. */
  delete (slot: number): void {
    this.removeFromIndex(slot)
    this.unlink(slot)
    this.bytes -= this.costOf(slot)
    this.slab.free(this.at[slot], this.recordLength(slot))
    this.size--
    this.staleAt.delete(slot)
    this.generations[slot]++
    this.expiry[slot * 2 + 1] = 0
    this.links[slot * 2] = this.nextFree
    this.nextFree = slot
  }

  /** Makes the slot the most recently used. Every local hit does this: written out, with no branch it does not need. */
  use (slot: number): void {
    const mru = this.mru
    if (mru === slot) return
    const links = this.links
    // Not the newest, so it has a newer neighbour; and there is an mru to put it before.
    const newer = links[slot * 2]
    const older = links[slot * 2 + 1]
    links[newer * 2 + 1] = older
    if (older !== NONE) links[older * 2] = newer
    else this.lru = newer
    links[slot * 2] = NONE
    links[slot * 2 + 1] = mru
    links[mru * 2] = slot
    this.mru = slot
  }

  /** The least recently used slot, or NONE. */
  get oldest (): number {
    return this.lru
  }

  /** Slots from most to least recently used, each with its generation now, to check with `current`. */
  snapshot (): Array<[slot: number, generation: number]> {
    const out: Array<[number, number]> = []
    for (let slot = this.mru; slot !== NONE; slot = this.links[slot * 2 + 1]) out.push([slot, this.generations[slot]])
    return out
  }

  /** Whether the slot still holds the entry it held at `generation`. */
  current (slot: number, generation: number): boolean {
    return this.generations[slot] === generation
  }

  generation (slot: number): number {
    return this.generations[slot]
  }

  expiresAt (slot: number): number {
    return this.expiry[slot * 2 + 1]
  }

  staleAtOf (slot: number): number | undefined {
    return this.staleAt.get(slot)
  }

  /** Compares the slot's version with (high, low): < 0 older, 0 same, > 0 newer. */
  compareVersion (slot: number, high: number, low: number): number {
    const own = this.meta[slot * 4]
    return own !== high ? own - high : this.meta[slot * 4 + 1] - low
  }

  version (slot: number): bigint {
    return (BigInt(this.meta[slot * 4]) << 32n) | BigInt(this.meta[slot * 4 + 1])
  }

  costOf (slot: number): number {
    const chunk = this.slab.chunk(this.at[slot])
    const offset = this.slab.offset(this.at[slot])
    return entryCost(chunk[offset + 2] | (chunk[offset + 3] << 8), readUint32(chunk, offset + 4))
  }

  key (slot: number): string {
    const chunk = this.slab.chunk(this.at[slot])
    const offset = this.slab.offset(this.at[slot])
    const length = chunk[offset] | (chunk[offset + 1] << 8)
    const start = offset + HEADER
    return length === (chunk[offset + 2] | (chunk[offset + 3] << 8))
      ? String.fromCharCode.apply(null, chunk.subarray(start, start + length) as unknown as number[])
      : decoder.decode(chunk.subarray(start, start + length))
  }

  /** The value's bytes, valid until the table next changes: copy them to keep them. */
  view (slot: number): Uint8Array {
    const chunk = this.slab.chunk(this.at[slot])
    const offset = this.slab.offset(this.at[slot])
    const start = offset + HEADER + (chunk[offset] | (chunk[offset + 1] << 8))
    return chunk.subarray(start, start + readUint32(chunk, offset + 4))
  }

  /** Deletes every entry, so that every remembered (slot, generation) stops matching. */
  clear (): void {
    while (this.mru !== NONE) this.delete(this.mru)
    this.slab = new Slab()
  }

  /** Rewrites every live record into a new slab, leaving the holes behind. */
  private compact (): void {
    const old = this.slab
    this.slab = new Slab()
    for (let slot = this.lru; slot !== NONE; slot = this.links[slot * 2]) {
      const length = this.recordLength(slot, old)
      const from = old.offset(this.at[slot])
      const to = this.slab.alloc(length)
      this.slab.chunk(to).set(old.chunk(this.at[slot]).subarray(from, from + length), this.slab.offset(to))
      this.at[slot] = to
    }
  }

  private recordLength (slot: number, slab = this.slab): number {
    const chunk = slab.chunk(this.at[slot])
    const offset = slab.offset(this.at[slot])
    return HEADER + (chunk[offset] | (chunk[offset + 1] << 8)) + readUint32(chunk, offset + 4)
  }

  private holds (slot: number, key: string): boolean {
    const chunk = this.slab.chunk(this.at[slot])
    const offset = this.slab.offset(this.at[slot])
    if ((chunk[offset + 2] | (chunk[offset + 3] << 8)) !== key.length) return false
    const length = chunk[offset] | (chunk[offset + 1] << 8)
    const start = offset + HEADER
    if (length === key.length) {
      for (let i = 0; i < length; i++) if (chunk[start + i] !== key.charCodeAt(i)) return false
      return true
    }
    if (utf8Length(key) !== length) return false
    const bytes = new Uint8Array(length)
    writeUtf8(key, length, bytes, 0)
    for (let i = 0; i < length; i++) if (chunk[start + i] !== bytes[i]) return false
    return true
  }

  /**
   * The slot's key hashed from its bytes: not kept per slot, which would cost
   * 4 bytes an entry for what only deletes and growth ask.
   */
  private hashAt (slot: number): number {
    const chunk = this.slab.chunk(this.at[slot])
    const offset = this.slab.offset(this.at[slot])
    const length = chunk[offset] | (chunk[offset + 1] << 8)
    if (length !== (chunk[offset + 2] | (chunk[offset + 3] << 8))) return hashOf(this.key(slot))
    let h = SEEDED
    for (let i = offset + HEADER; i < offset + HEADER + length; i++) h = Math.imul(h ^ chunk[i], FNV_PRIME)
    return finish(h)
  }

  private newSlot (hash: number): number {
    let slot = this.nextFree
    if (slot !== NONE) {
      this.nextFree = this.links[slot * 2]
    } else {
      if (this.high === this.capacity) this.grow(Math.max(FIRST_SLOTS, this.capacity * 2))
      slot = this.high++
    }
    if ((this.size + 1) > this.index.length * MAX_LOAD) this.reindex(this.index.length * 2)
    const mask = this.index.length - 1
    let cell = hash & mask
    while (this.index[cell] !== 0) cell = (cell + 1) & mask
    this.index[cell] = slot + 1
    this.size++
    return slot
  }

  /** Linear probing's delete: later cells of the run move back, so no tombstone is left. */
  private removeFromIndex (slot: number): void {
    const index = this.index
    const mask = index.length - 1
    let hole = this.hashAt(slot) & mask
    while (index[hole] !== slot + 1) hole = (hole + 1) & mask
    for (let cell = (hole + 1) & mask; index[cell] !== 0; cell = (cell + 1) & mask) {
      const home = this.hashAt(index[cell] - 1) & mask
      // The entry at `cell` may fill the hole unless its home lies in (hole, cell].
      const between = hole <= cell ? (home > hole && home <= cell) : (home > hole || home <= cell)
      if (!between) {
        index[hole] = index[cell]
        hole = cell
      }
    }
    index[hole] = 0
  }

  private reindex (cells: number): void {
    const index = new Int32Array(cells)
    const mask = cells - 1
    for (let slot = this.mru; slot !== NONE; slot = this.links[slot * 2 + 1]) {
      let cell = this.hashAt(slot) & mask
      while (index[cell] !== 0) cell = (cell + 1) & mask
      index[cell] = slot + 1
    }
    this.index = index
  }

  private grow (capacity: number): void {
    this.at = widen(this.at, new Float64Array(capacity))
    this.meta = widen(this.meta, new Uint32Array(capacity * 4))
    this.expiry = new Float64Array(this.meta.buffer)
    this.links = widen(this.links, new Int32Array(capacity * 2))
    this.generations = widen(this.generations, new Uint32Array(capacity))
    this.capacity = capacity
  }

  private linkNewest (slot: number): void {
    this.links[slot * 2 + 1] = this.mru
    this.links[slot * 2] = NONE
    if (this.mru !== NONE) this.links[this.mru * 2] = slot
    this.mru = slot
    if (this.lru === NONE) this.lru = slot
  }

  private unlink (slot: number): void {
    const newer = this.links[slot * 2]
    const older = this.links[slot * 2 + 1]
    if (newer !== NONE) this.links[newer * 2 + 1] = older
    else this.mru = older
    if (older !== NONE) this.links[older * 2] = newer
    else this.lru = newer
  }
}

function widen<T extends { set: (from: ArrayLike<number>) => void }> (old: ArrayLike<number>, into: T): T {
  into.set(old)
  return into
}

function writeUint32 (bytes: Uint8Array, at: number, n: number): void {
  bytes[at] = n
  bytes[at + 1] = n >>> 8
  bytes[at + 2] = n >>> 16
  bytes[at + 3] = n >>> 24
}

function readUint32 (bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0
}

const FNV_PRIME = 0x01000193
const SEEDED = 0x811c9dc5 ^ SEED

/** FNV-1a over the UTF-16 code units (an ASCII key's bytes hash the same), seeded, with murmur3's finalizer to spread the low bits the index uses. */
function hashOf (key: string): number {
  let h = SEEDED
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME)
  return finish(h)
}

function finish (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
