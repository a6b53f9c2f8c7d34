import { KAD_ID_BYTES, virtualIdsOf } from './ids.js'

export interface RingMember {
  peerId: string
  kadId: Uint8Array
  /** Relative capacity, > 0: a member of weight 2 gets about twice the keys of weight 1. */
  weight: number
}

/**
 * Immutable snapshot of the owner-role members, rebuilt on every view change.
 *
 * Virtual ids are kept sorted so that XOR order can be read off the implicit binary trie
 * of the sorted array: the ids under any trie node form a contiguous range, and the
 * range splits at the first index whose next bit is 1. Walking the half that matches the
 * key's bit first yields ids in exact XOR-distance order without computing distances or
 * sorting per call, and stops as soon as enough distinct members were seen.
 */
export class Ring {
  readonly virtualIds: number
  readonly members: ReadonlyMap<string, RingMember>

  /** Member index → peer id; indices follow peer id order so the snapshot is insertion-order free. */
  private readonly peerIds: string[]
  /** Bits 0..31 and 32..63 of each sorted virtual id: nearly every comparison ends here. */
  private readonly hi: Uint32Array
  private readonly lo: Uint32Array
  /** Full 256-bit ids, 32 bytes per sorted virtual id, for exact order past 64 bits. */
  private readonly ids: Uint8Array
  /** Sorted virtual id → member index. */
  private readonly owner: Uint32Array
  /** Per-member stamp of the walk that last emitted it; saves allocating a Set per call. */
  private readonly seen: Uint32Array
  private epoch = 0
  /** Pending far-side ranges as (start, end) pairs; a trie path has at most 257 branchings. */
  private readonly stack = new Int32Array(2 * (KAD_ID_BYTES * 8 + 2))

  /**
   * `idsOf` gives a member's virtual ids (`virtualIdsOf` by default): a
   * caller that rebuilds rings often remembers them, since they are sha256s
   * and a 100-member ring has thousands.
   */
  constructor (members: Iterable<RingMember>, virtualIds: number, idsOf: (member: RingMember, count: number) => Uint8Array[] = (member, count) => virtualIdsOf(member.kadId, count)) {
    if (!Number.isInteger(virtualIds) || virtualIds < 1) {
      throw new RangeError(`virtualIds must be an integer >= 1, got ${virtualIds}`)
    }
    this.virtualIds = virtualIds

    const byPeer = new Map<string, RingMember>()
    for (const m of members) {
      if (typeof m.peerId !== 'string' || m.peerId === '') throw new TypeError('ring member without a peer id')
      if (!(m.kadId instanceof Uint8Array) || m.kadId.length !== KAD_ID_BYTES) {
        throw new RangeError(`ring member ${m.peerId}: kadId must be ${KAD_ID_BYTES} bytes`)
      }
      if (!Number.isFinite(m.weight) || m.weight <= 0) {
        throw new RangeError(`ring member ${m.peerId}: weight must be > 0, got ${m.weight}`)
      }
      // Two entries with one peer id would make the snapshot depend on which came last.
      if (byPeer.has(m.peerId)) throw new RangeError(`ring member ${m.peerId} listed twice`)
      byPeer.set(m.peerId, Object.freeze({ peerId: m.peerId, kadId: m.kadId.slice(), weight: m.weight }))
    }

    const peerIds = [...byPeer.keys()].sort((a, b) => a < b ? -1 : a > b ? 1 : 0)
    this.peerIds = peerIds
    this.members = new Map(peerIds.map(p => [p, byPeer.get(p) as RingMember]))
    this.seen = new Uint32Array(peerIds.length)

    let total = 0
    const counts = peerIds.map(p => {
      const c = Math.max(1, Math.round(virtualIds * (byPeer.get(p) as RingMember).weight))
      total += c
      return c
    })

    const rawIds = new Uint8Array(total * KAD_ID_BYTES)
    const rawOwner = new Uint32Array(total)
    let at = 0
    for (let m = 0; m < peerIds.length; m++) {
      for (const id of idsOf(byPeer.get(peerIds[m]) as RingMember, counts[m])) {
        rawIds.set(id, at * KAD_ID_BYTES)
        rawOwner[at++] = m
      }
    }
    const rawHi = new Uint32Array(total)
    const rawLo = new Uint32Array(total)
    for (let i = 0; i < total; i++) {
      rawHi[i] = readU32(rawIds, i * KAD_ID_BYTES)
      rawLo[i] = readU32(rawIds, i * KAD_ID_BYTES + 4)
    }

    // Equal ids (only possible with hand-made kadIds) fall back to member order, so the
    // result stays a pure function of the member set.
    const order = Array.from({ length: total }, (_, i) => i)
    order.sort((a, b) => {
      if (rawHi[a] !== rawHi[b]) return rawHi[a] < rawHi[b] ? -1 : 1
      if (rawLo[a] !== rawLo[b]) return rawLo[a] < rawLo[b] ? -1 : 1
      for (let k = 8; k < KAD_ID_BYTES; k++) {
        const x = rawIds[a * KAD_ID_BYTES + k]
        const y = rawIds[b * KAD_ID_BYTES + k]
        if (x !== y) return x - y
      }
      return rawOwner[a] - rawOwner[b]
    })

    this.hi = new Uint32Array(total)
    this.lo = new Uint32Array(total)
    this.ids = new Uint8Array(total * KAD_ID_BYTES)
    this.owner = new Uint32Array(total)
    for (let i = 0; i < total; i++) {
      const j = order[i]
      this.hi[i] = rawHi[j]
      this.lo[i] = rawLo[j]
      this.owner[i] = rawOwner[j]
      this.ids.set(rawIds.subarray(j * KAD_ID_BYTES, (j + 1) * KAD_ID_BYTES), i * KAD_ID_BYTES)
    }
  }

  /** Number of members. */
  get size (): number {
    return this.peerIds.length
  }

  /** The `count` distinct members whose virtual ids are XOR-closest to keyId, closest first. Fewer when the ring has fewer members; [] for an empty ring. */
  owners (keyId: Uint8Array, count: number): string[] {
    return this.walk(keyId, count)
  }

  /** The same ordering over ALL members (used to pick fallback owners and by tests). */
  ranked (keyId: Uint8Array): string[] {
    return this.walk(keyId, this.peerIds.length)
  }

  private walk (keyId: Uint8Array, count: number): string[] {
    if (keyId.length !== KAD_ID_BYTES) throw new RangeError(`key id must be ${KAD_ID_BYTES} bytes, got ${keyId.length}`)
    const want = Math.min(Math.floor(count), this.peerIds.length)
    const out: string[] = []
    if (!(want > 0)) return out

    const { hi, lo, ids, owner, seen, stack, peerIds } = this
    if (++this.epoch === 0xffffffff) {
      seen.fill(0)
      this.epoch = 1
    }
    const epoch = this.epoch
    const kh = readU32(keyId, 0)
    const kl = readU32(keyId, 4)

    let sp = 0
    stack[sp++] = 0
    stack[sp++] = hi.length
    while (sp > 0) {
      let end = stack[--sp]
      let start = stack[--sp]
      // Descend toward the key, leaving each far half on the stack; its top is then
      // always the next-closest unvisited subtree.
      while (end - start > 1) {
        const last = end - 1
        // Sorted ids in [start, end) all share the prefix that the first and last share,
        // so the first bit where those two differ is where this range branches.
        let bit: number
        let x = hi[start] ^ hi[last]
        if (x !== 0) {
          bit = Math.clz32(x)
        } else if ((x = lo[start] ^ lo[last]) !== 0) {
          bit = 32 + Math.clz32(x)
        } else {
          bit = firstDiffBit(ids, start, last)
          if (bit < 0) break // identical ids: already in member order
        }
        const split = splitAt(hi, lo, ids, start, last, bit)
        const keyBit = bit < 32
          ? (kh >>> (31 - bit)) & 1
          : bit < 64
            ? (kl >>> (63 - bit)) & 1
            : (keyId[bit >>> 3] >>> (7 - (bit & 7))) & 1
        if (keyBit === 0) {
          stack[sp++] = split
          stack[sp++] = end
          end = split
        } else {
          stack[sp++] = start
          stack[sp++] = split
          start = split
        }
      }
      for (let i = start; i < end; i++) {
        const m = owner[i]
        if (seen[m] !== epoch) {
          seen[m] = epoch
          out.push(peerIds[m])
          if (out.length === want) return out
        }
      }
    }
    return out
  }
}

function readU32 (bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0
}

/** First differing bit (from bit 64 on) of sorted ids a and b, or -1 when they are equal. */
function firstDiffBit (ids: Uint8Array, a: number, b: number): number {
  const pa = a * KAD_ID_BYTES
  const pb = b * KAD_ID_BYTES
  for (let k = 8; k < KAD_ID_BYTES; k++) {
    const x = ids[pa + k] ^ ids[pb + k]
    if (x !== 0) return k * 8 + Math.clz32(x) - 24
  }
  return -1
}

/**
 * First index in (start, last] whose id has `bit` set. Every id in the range shares the
 * bits before `bit`, so that bit is 0 then 1 along the range; ids[start] has it 0 and
 * ids[last] has it 1.
 */
function splitAt (hi: Uint32Array, lo: Uint32Array, ids: Uint8Array, start: number, last: number, bit: number): number {
  let l = start + 1
  let h = last
  if (bit < 32) {
    const shift = 31 - bit
    while (l < h) {
      const mid = (l + h) >>> 1
      if (((hi[mid] >>> shift) & 1) === 0) l = mid + 1
      else h = mid
    }
  } else if (bit < 64) {
    const shift = 63 - bit
    while (l < h) {
      const mid = (l + h) >>> 1
      if (((lo[mid] >>> shift) & 1) === 0) l = mid + 1
      else h = mid
    }
  } else {
    const byte = bit >>> 3
    const shift = 7 - (bit & 7)
    while (l < h) {
      const mid = (l + h) >>> 1
      if (((ids[mid * KAD_ID_BYTES + byte] >>> shift) & 1) === 0) l = mid + 1
      else h = mid
    }
  }
  return l
}
