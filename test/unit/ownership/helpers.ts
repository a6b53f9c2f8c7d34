import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { kadIdOfPeer, virtualIdsOf } from '../../../src/ownership/index.js'
import type { RingMember } from '../../../src/ownership/index.js'
import { prng } from '../../../bench/prng.js'

export { prng }


export function randomBytes (rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256)
  return out
}

/** A sha2-256 multihash (0x12 0x20 + 32 bytes), shaped like an RSA/secp peer id's. */
export function randomMultihash (rand: () => number): Uint8Array {
  const mh = new Uint8Array(34)
  mh[0] = 0x12
  mh[1] = 0x20
  mh.set(randomBytes(rand, 32), 2)
  return mh
}

export function hex (b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

export function randomMember (rand: () => number, weight = 1): RingMember {
  const mh = randomMultihash(rand)
  return { peerId: 'p' + hex(mh).slice(4, 20), kadId: kadIdOfPeer(mh), weight }
}

export function randomMembers (rand: () => number, n: number, weight = 1): RingMember[] {
  return Array.from({ length: n }, () => randomMember(rand, weight))
}

export function xorCompare (a: Uint8Array, b: Uint8Array, key: Uint8Array): number {
  for (let i = 0; i < key.length; i++) {
    const x = a[i] ^ key[i]
    const y = b[i] ^ key[i]
    if (x !== y) return x - y
  }
  return 0
}

/** Reference ranking: every virtual id of every member, sorted by XOR distance, first occurrence per member. */
export function bruteRanked (members: RingMember[], virtualIds: number, key: Uint8Array): string[] {
  const all: Array<{ peerId: string, id: Uint8Array }> = []
  for (const m of members) {
    const n = Math.max(1, Math.round(virtualIds * m.weight))
    for (const id of virtualIdsOf(m.kadId, n)) all.push({ peerId: m.peerId, id })
  }
  all.sort((a, b) => xorCompare(a.id, b.id, key) || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
  const out: string[] = []
  for (const e of all) if (!out.includes(e.peerId)) out.push(e.peerId)
  return out
}

/**
 * A real Ed25519 peer id. The cast only bridges two installed copies of @libp2p/interface
 * (one nested under @libp2p/crypto) whose key types differ in name, not in shape.
 */
export async function realPeerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519') as unknown as PrivateKey)
}
