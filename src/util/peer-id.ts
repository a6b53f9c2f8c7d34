import { peerIdFromString } from '@libp2p/peer-id'

/** Whether the text parses as a libp2p peer id: one that does not would break the ring (kad ids are hashes of peer ids). */
export function isPeerId (text: string): boolean {
  try {
    peerIdFromString(text)
    return true
  } catch {
    // Not a peer id: false says so, and the caller logs what it drops.
    return false
  }
}
