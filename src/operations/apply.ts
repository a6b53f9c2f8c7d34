import type { Context } from './context.js'
import type { StoredEntry } from '../store/index.js'

/**
 * The owner's side of every write: store it when newer, then tell the mesh.
 * The local near copy goes too, in case this peer read the key before it
 * became an owner of it.
 */
export function applyWrite (ctx: Context, keyspace: string, key: string, entry: StoredEntry): boolean {
  ctx.clock.observe(entry.version)
  if (!ctx.store.apply(keyspace, key, entry)) return false
  announce(ctx, keyspace, key, entry.version)
  return true
}

export function applyDelete (ctx: Context, keyspace: string, key: string, version: bigint): boolean {
  ctx.clock.observe(version)
  const removed = ctx.store.remove(keyspace, key, version)
  // Announce even when this owner had nothing: readers may hold a copy from the other owner.
  announce(ctx, keyspace, key, version)
  return removed
}

export function applyExpire (ctx: Context, keyspace: string, key: string, expiresAt: number, version: bigint): boolean {
  ctx.clock.observe(version)
  if (!ctx.store.touch(keyspace, key, expiresAt, version)) return false
  announce(ctx, keyspace, key, version)
  return true
}

function announce (ctx: Context, keyspace: string, key: string, version: bigint): void {
  ctx.near.invalidate(keyspace, key, version)
  ctx.invalidator.publish({ keyspace, key, version })
}
