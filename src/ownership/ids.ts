import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'

// `@noble/hashes/sha2.js` (not the deprecated `/sha256`) resolves in both 1.8 and 2.x,
// and it is synchronous, which owners() callers rely on.

/** Length in bytes of every Kademlia id, key id and virtual id. */
export const KAD_ID_BYTES = 32

/** Kademlia id of a peer = sha256 of its peer id's multihash bytes (as @libp2p/kad-dht's convertPeerId). */
export function kadIdOfPeer (peerIdMultihashBytes: Uint8Array): Uint8Array {
  return sha256(peerIdMultihashBytes)
}

/** sha256 of a string's UTF-8. */
export type TextHash = (text: string) => Uint8Array

let hashText: TextHash = text => sha256(utf8ToBytes(text))

/**
 * The platform's sha256 for key ids, which a cold read pays once per key:
 * the Node entry hands in node:crypto's (1 µs a key here, 3 µs in JS);
 * browsers keep @noble/hashes, since WebCrypto's digest is asynchronous and
 * owners() is not.
 */
export function useTextHash (hash: TextHash): void {
  hashText = hash
}

/** Key id = sha256(utf8(mesh + '/' + keyspace + '/' + key)). */
export function kadIdOfKey (mesh: string, keyspace: string, key: string): Uint8Array {
  return hashText(mesh + '/' + keyspace + '/' + key)
}

/**
 * Virtual id i of a peer: sha256(kadId ‖ uint32be(i)); but with one virtual id per peer
 * the virtual id IS the kadId (so `virtualIds: 1` is exactly Kademlia) — that case is
 * decided by `virtualIdsOf`, since this function does not know how many ids the peer has.
 */
export function virtualId (kadId: Uint8Array, i: number): Uint8Array {
  if (!Number.isInteger(i) || i < 0 || i > 0xffffffff) {
    throw new RangeError(`virtual id index must be a uint32, got ${i}`)
  }
  const buf = new Uint8Array(kadId.length + 4)
  buf.set(kadId, 0)
  new DataView(buf.buffer).setUint32(kadId.length, i, false)
  return sha256(buf)
}

/**
 * All `count` virtual ids of a peer. A single id is the kadId itself, so a ring where
 * every member has one id ranks peers exactly as a Kademlia routing table would.
 */
export function virtualIdsOf (kadId: Uint8Array, count: number): Uint8Array[] {
  if (count === 1) return [kadId]
  const memoKey = `${count}:${hex(kadId)}`
  const known = memo.get(memoKey)
  if (known != null) return known
  const ids: Uint8Array[] = new Array(count)
  for (let i = 0; i < count; i++) ids[i] = virtualId(kadId, i)
  if (memo.size >= MEMO_MEMBERS) memo.delete(memo.keys().next().value as string)
  memo.set(memoKey, ids)
  return ids
}

/**
 * Rings are rebuilt on every view change, mostly from the same members, and
 * hashing dominates a build (~5 µs per id, 16 ms for 16 peers at V=160):
 * remember each member's ids. Insertion-ordered Map as a cheap FIFO bound.
 */
const MEMO_MEMBERS = 1024
const memo = new Map<string, Uint8Array[]>()

function hex (bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}
