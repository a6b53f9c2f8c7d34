import type { OperationComponents } from './components.js'
import type { StoredEntry } from '../store/index.js'

export type ApplyComponents = Pick<OperationComponents, 'store' | 'near' | 'clock' | 'invalidator'>

/**
 * The owner's side of every write: store it when newer, then tell the mesh.
 * The local near copy goes too, in case this peer read the key before it
 * became an owner of it.
 */
export function applyWrite (c: ApplyComponents, keyspace: string, key: string, entry: StoredEntry): boolean {
  c.clock.observe(entry.version)
  if (!c.store.apply(keyspace, key, entry)) return false
  announce(c, keyspace, key, entry.version)
  return true
}

export function applyDelete (c: ApplyComponents, keyspace: string, key: string, version: bigint): boolean {
  c.clock.observe(version)
  const removed = c.store.remove(keyspace, key, version)
  // Announce even when this owner had nothing: readers may hold a copy from the other owner.
  announce(c, keyspace, key, version)
  return removed
}

export function applyExpire (c: ApplyComponents, keyspace: string, key: string, expiresAt: number, version: bigint): boolean {
  c.clock.observe(version)
  if (!c.store.touch(keyspace, key, expiresAt, version)) return false
  announce(c, keyspace, key, version)
  return true
}

function announce (c: ApplyComponents, keyspace: string, key: string, version: bigint): void {
  c.near.invalidate(keyspace, key, version)
  c.invalidator.publish({ keyspace, key, version })
}
