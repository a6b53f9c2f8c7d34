import type { Table } from './table.js'

/** Stale heap slots allowed beyond twice the live entries before a rebuild. */
const COMPACT_SLACK = 64

/**
 * Min-heap of (deadline, table slot) in two parallel arrays, to avoid an object per entry.
 * Entries are never removed from it when rewritten or deleted; popDue's callback checks
 * the slot's entry instead, and the heap is rebuilt from the table once stale items
 * outnumber live entries, so it stays O(live entries with a ttl).
 */
export class Deadlines {
  #at: number[] = []
  #slot: number[] = []

  push (at: number, slot: number, table: Table): void {
    if (this.#at.length >= 2 * table.size + COMPACT_SLACK) {
      this.#rebuild(table)
    } else {
      this.#siftUp(at, slot)
    }
  }

  popDue (now: number, fn: (slot: number) => void): void {
    const at = this.#at
    const slots = this.#slot
    while (at.length > 0 && at[0] <= now) {
      const slot = slots[0]
      const lastAt = at.pop() as number
      const lastSlot = slots.pop() as number
      if (at.length > 0) this.#siftDown(lastAt, lastSlot)
      fn(slot)
    }
  }

  clear (): void {
    this.#at = []
    this.#slot = []
  }

  /** Rebuilt from the entries themselves, which already include the one being pushed. */
  #rebuild (table: Table): void {
    const due: Array<[number, number]> = []
    for (const [slot] of table.snapshot()) {
      const at = table.expiresAt(slot)
      if (at !== 0) due.push([at, slot])
    }
    due.sort((a, b) => a[0] - b[0]) // a sorted array is a valid heap
    this.#at = due.map(d => d[0])
    this.#slot = due.map(d => d[1])
  }

  #siftUp (t: number, slot: number): void {
    const at = this.#at
    const slots = this.#slot
    let i = at.length
    at.push(t)
    slots.push(slot)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (at[p] <= t) break
      at[i] = at[p]
      slots[i] = slots[p]
      i = p
    }
    at[i] = t
    slots[i] = slot
  }

  /** Places (t, slot) from the root down, into a heap whose root slot is free. */
  #siftDown (t: number, slot: number): void {
    const at = this.#at
    const slots = this.#slot
    const n = at.length
    let i = 0
    for (;;) {
      let c = 2 * i + 1
      if (c >= n) break
      if (c + 1 < n && at[c + 1] < at[c]) c++
      if (at[c] >= t) break
      at[i] = at[c]
      slots[i] = slots[c]
      i = c
    }
    at[i] = t
    slots[i] = slot
  }
}
