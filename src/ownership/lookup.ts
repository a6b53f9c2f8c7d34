import { kadIdOfKey } from './ids.js'
import type { Ring } from './ring.js'

const DEFAULT_MEMO_KEYS = 65_536

/**
 * Owners of keys under the current ring, remembered per key until the ring
 * changes. Hashing a key (sha256 in JS) cost more than the rest of a get
 * (bench/remote.ts profile: 16% of the client's time), and hot keys are asked
 * for again and again. The arrays it returns are shared: never mutate them.
 */
export class OwnerLookup {
  private readonly mesh: string
  private readonly replicas: number
  private readonly maxKeys: number
  private ring: Ring
  private memo = new Map<string, string[]>()

  constructor (mesh: string, replicas: number, ring: Ring, maxKeys = DEFAULT_MEMO_KEYS) {
    this.mesh = mesh
    this.replicas = replicas
    this.ring = ring
    this.maxKeys = maxKeys
  }

  get current (): Ring {
    return this.ring
  }

  /** A new view: every remembered answer is void. */
  use (ring: Ring): void {
    this.ring = ring
    this.memo = new Map()
  }

  owners (keyspace: string, key: string): string[] {
    const id = keyspace + '\u0000' + key
    let owners = this.memo.get(id)
    if (owners == null) {
      owners = this.ownersIn(this.ring, keyspace, key)
      // Start afresh when full: evicting the oldest one at a time looks cheap,
      // but a Map's iterator walks over every deleted slot before the next
      // live one, which made a 1M-key fill quadratic (bench/memory.ts).
      if (this.memo.size >= this.maxKeys) this.memo.clear()
      this.memo.set(id, owners)
    }
    return owners
  }

  ownersIn (ring: Ring, keyspace: string, key: string): string[] {
    return ring.owners(kadIdOfKey(this.mesh, keyspace, key), this.replicas)
  }
}
