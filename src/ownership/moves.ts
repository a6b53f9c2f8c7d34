import type { Ring } from './ring.js'

/**
 * For each key id, whether its owner set (first `replicas`) differs between two rings,
 * and which peers gain/lose it. Owner sets are compared as sets: a member that only moves
 * between primary and replica keeps its copy, so nothing has to be transferred for it.
 */
export function diffOwners (before: Ring, after: Ring, keyId: Uint8Array, replicas: number): { before: string[], after: string[], gained: string[], lost: string[] } {
  const was = before.owners(keyId, replicas)
  const now = after.owners(keyId, replicas)
  // replicas is 1..5, so linear includes beat building Sets.
  return {
    before: was,
    after: now,
    gained: now.filter(p => !was.includes(p)),
    lost: was.filter(p => !now.includes(p))
  }
}
