/** Largest shared chunk; records above a quarter of it get a chunk of their own. */
const MAX_CHUNK = 1 << 20
const FIRST_CHUNK = 4096
/** A location is chunk × 2^32 + offset: exact in a double for 2^21 chunks. */
const CHUNK_SPAN = 2 ** 32

/**
 * Bytes of many records in a few large ArrayBuffers, addressed by a number.
 * A typed array per value costs ~150 bytes of object and backing-store
 * bookkeeping besides its bytes (bench/memory.ts); here a record costs its
 * bytes. Records are appended; a freed one leaves a hole that counts as
 * garbage until its owner rewrites everything live into a new Slab
 * (Table.compact), which keeps garbage below what is live. Chunks start small
 * and double, so a keyspace of a few keys holds a few KiB.
 */
export class Slab {
  private readonly chunks: Array<Uint8Array | undefined> = []
  private readonly spare: number[] = []
  private current = -1
  private used = 0
  /** Bytes in chunks, live or not. */
  allocated = 0
  /** Bytes of live records. */
  live = 0

  /** Room for `length` bytes; returns where they go. */
  alloc (length: number): number {
    this.live += length
    if (length > MAX_CHUNK >> 2) return this.place(new Uint8Array(length))
    const chunk = this.chunks[this.current]
    if (chunk !== undefined && this.used + length <= chunk.byteLength) {
      const at = this.current * CHUNK_SPAN + this.used
      this.used += length
      return at
    }
    const size = Math.max(length, Math.min(MAX_CHUNK, chunk === undefined ? FIRST_CHUNK : chunk.byteLength * 2))
    const at = this.place(new Uint8Array(size))
    this.current = (at / CHUNK_SPAN) | 0
    this.used = length
    return at
  }

  /** The record at `at` of `length` bytes is no longer needed. */
  free (at: number, length: number): void {
    this.live -= length
    const index = (at / CHUNK_SPAN) | 0
    const chunk = this.chunks[index]
    // A record that had a chunk of its own gives it back at once.
    if (chunk !== undefined && index !== this.current && chunk.byteLength === length && length > MAX_CHUNK >> 2) {
      this.chunks[index] = undefined
      this.spare.push(index)
      this.allocated -= length
    }
  }

  /** The chunk holding `at`; the record starts at offset(at). */
  chunk (at: number): Uint8Array {
    return this.chunks[(at / CHUNK_SPAN) | 0] as Uint8Array
  }

  offset (at: number): number {
    return at - ((at / CHUNK_SPAN) | 0) * CHUNK_SPAN
  }

  /** Whether holes outweigh what is live enough to be worth a rewrite. */
  get wasteful (): boolean {
    // The current chunk's room not yet handed out is not garbage.
    const room = this.current < 0 ? 0 : (this.chunks[this.current] as Uint8Array).byteLength - this.used
    const garbage = this.allocated - this.live - room
    return garbage > FIRST_CHUNK * 16 && garbage > this.live
  }

  private place (chunk: Uint8Array): number {
    const index = this.spare.pop() ?? this.chunks.length
    this.chunks[index] = chunk
    this.allocated += chunk.byteLength
    return index * CHUNK_SPAN
  }
}
