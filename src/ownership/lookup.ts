import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
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
  private memo = new Map<string, Map<string, string[]>>()
  /** Answers held across every keyspace's map. */
  private remembered = 0
  private view = ''
  /** A ring of one member owns every key: no hash to take, nothing to remember. */
  private sole?: string[]

  constructor (mesh: string, replicas: number, ring: Ring, maxKeys = DEFAULT_MEMO_KEYS) {
    this.mesh = mesh
    this.replicas = replicas
    this.ring = ring
    this.maxKeys = maxKeys
    this.view = viewIdOf(ring)
    this.sole = soleOwner(ring)
  }

  get current (): Ring {
    return this.ring
  }

  /** A new view: every remembered answer is void. */
  use (ring: Ring): void {
    this.ring = ring
    this.memo = new Map()
    this.remembered = 0
    this.view = viewIdOf(ring)
    this.sole = soleOwner(ring)
  }

  /** Names the owner set (peers and weights) of the current ring: equal ids, equal owners for every key. */
  get viewId (): string {
    return this.view
  }

  owners (keyspace: string, key: string): string[] {
    if (this.sole !== undefined) return this.sole
    // A map per keyspace: a joined "keyspace\0key" id cost a new string, and its hashing, every call.
    let keys = this.memo.get(keyspace)
    if (keys == null) {
      keys = new Map()
      this.memo.set(keyspace, keys)
    }
    let owners = keys.get(key)
    if (owners == null) {
      owners = this.ownersIn(this.ring, keyspace, key)
      // Start afresh when full: evicting the oldest one at a time looks cheap,
      // but a Map's iterator walks over every deleted slot before the next
      // live one, which made a 1M-key fill quadratic (bench/memory.ts).
      if (this.remembered >= this.maxKeys) {
        this.memo = new Map([[keyspace, keys]])
        keys.clear()
        this.remembered = 0
      }
      keys.set(key, owners)
      this.remembered++
    }
    return owners
  }

  /** The `replicas` peers ranked right after the owners of a key. */
  successors (keyspace: string, key: string): string[] {
    return this.ring.ranked(kadIdOfKey(this.mesh, keyspace, key)).slice(this.replicas, 2 * this.replicas)
  }

  ownersIn (ring: Ring, keyspace: string, key: string): string[] {
    return ring.owners(kadIdOfKey(this.mesh, keyspace, key), this.replicas)
  }
}

function soleOwner (ring: Ring): string[] | undefined {
  return ring.members.size === 1 ? [...ring.members.keys()] : undefined
}

function viewIdOf (ring: Ring): string {
  const members = [...ring.members.values()].map(m => `${m.peerId}*${m.weight}`).sort().join(',')
  let hex = ''
  for (const b of sha256(utf8ToBytes(members)).subarray(0, 8)) hex += b.toString(16).padStart(2, '0')
  return hex
}
