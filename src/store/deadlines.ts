import type { StoredEntry } from './store.js'
import type { LRUCache } from 'lru-cache'

/** Stale heap slots allowed beyond twice the live entries before a rebuild. */
const COMPACT_SLACK = 64

/**
 * Min-heap of (deadline, key) in two parallel arrays, to avoid an object per entry.
 * Entries are never removed from it when rewritten or deleted; popDue's callback checks
 * the live entry instead, and the heap is rebuilt from the LRU once stale slots
 * outnumber live entries, so it stays O(live entries with a ttl).
 */
export class Deadlines {
  #at: number[] = []
  #key: string[] = []

  push (at: number, key: string, lru: LRUCache<string, StoredEntry>): void {
    if (this.#at.length >= 2 * lru.size + COMPACT_SLACK) {
      this.#rebuild(lru)
    } else {
      this.#siftUp(at, key)
    }
  }

  popDue (now: number, fn: (key: string) => void): void {
    const at = this.#at
    const keys = this.#key
    while (at.length > 0 && at[0] <= now) {
      const key = keys[0]
      const lastAt = at.pop() as number
      const lastKey = keys.pop() as string
      if (at.length > 0) this.#siftDown(lastAt, lastKey)
      fn(key)
    }
  }

  clear (): void {
    this.#at = []
    this.#key = []
  }

  /** Rebuilt from the entries themselves, which already include the one being pushed. */
  #rebuild (lru: LRUCache<string, StoredEntry>): void {
    const due: Array<[number, string]> = []
    for (const [key, e] of lru.entries()) if (e.expiresAt !== 0) due.push([e.expiresAt, key])
    due.sort((a, b) => a[0] - b[0]) // a sorted array is a valid heap
    this.#at = due.map(d => d[0])
    this.#key = due.map(d => d[1])
  }

  #siftUp (t: number, key: string): void {
    const at = this.#at
    const keys = this.#key
    let i = at.length
    at.push(t)
    keys.push(key)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (at[p] <= t) break
      at[i] = at[p]
      keys[i] = keys[p]
      i = p
    }
    at[i] = t
    keys[i] = key
  }

  /** Places (t, key) from the root down, into a heap whose root slot is free. */
  #siftDown (t: number, key: string): void {
    const at = this.#at
    const keys = this.#key
    const n = at.length
    let i = 0
    for (;;) {
      let c = 2 * i + 1
      if (c >= n) break
      if (c + 1 < n && at[c + 1] < at[c]) c++
      if (at[c] >= t) break
      at[i] = at[c]
      keys[i] = keys[c]
      i = c
    }
    at[i] = t
    keys[i] = key
  }
}
