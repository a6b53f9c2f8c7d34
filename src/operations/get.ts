import { ErrorCodes, MeshCacheError } from '../errors.js'
import { Op } from '../protocol/frame.js'
import { call, groupByOwners } from './context.js'
import { fromWire, toWire } from './entries.js'
import type { Context } from './context.js'
import type { Frame } from '../protocol/frame.js'
import type { StoredEntry } from '../store/index.js'

/** Owner: the live entries among the asked keys (absent keys are left out). */
export async function handleGet (ctx: Context, frame: Frame): Promise<Partial<Frame>> {
  const entries = []
  for (const key of frame.keys) {
    const entry = ctx.store.get(frame.keyspace, key)
    if (entry != null) entries.push(toWire(frame.keyspace, key, entry))
  }
  return { entries }
}

/**
 * Requester: each key's entry, looked up in this order — the near cache, the
 * local store (when this peer owns the key), then the owners in rank order. An owner that fails or misses
 * hands the key to the next one, so a key survives its primary's crash and is
 * found during a rebalance. Copies from other owners land in the near cache.
 */
export async function getEntries (ctx: Context, keyspace: string, keys: string[]): Promise<Array<StoredEntry | undefined>> {
  const results = new Array<StoredEntry | undefined>(keys.length).fill(undefined)
  const remote: string[] = []
  const remoteIndex: number[] = []
  keys.forEach((key, i) => {
    const local = localEntry(ctx, keyspace, key)
    if (local != null) results[i] = local
    else { remote.push(key); remoteIndex.push(i) }
  })
  if (remote.length === 0) return results

  const groups = groupByOwners(ctx, keyspace, remote)
  await Promise.all([...groups.values()].map(async ({ owners, indexes }) => {
    const found = await askOwners(ctx, keyspace, owners, indexes.map(i => remote[i]))
    indexes.forEach(i => {
      const hit = found.get(remote[i])
      if (hit == null) return
      results[remoteIndex[i]] = hit.entry
      if (!owners.includes(ctx.self)) ctx.near.set(keyspace, remote[i], { ...hit.entry, owner: hit.owner, fetchedAt: ctx.now() })
    })
  }))
  return results
}

/**
 * What this peer can answer alone: its store's entry while it owns the key
 * (a copy it has just handed away no longer receives writes), else its near
 * copy of another owner's entry.
 */
export function localEntry (ctx: Context, keyspace: string, key: string): StoredEntry | undefined {
  return ctx.owners(keyspace, key).includes(ctx.self) ? ctx.store.get(keyspace, key) : ctx.near.get(keyspace, key)
}

async function askOwners (ctx: Context, keyspace: string, owners: string[], keys: string[]): Promise<Map<string, { entry: StoredEntry, owner: string }>> {
  const found = new Map<string, { entry: StoredEntry, owner: string }>()
  let missing = keys
  let failures = 0
  let lastError: unknown
  for (const owner of owners) {
    if (missing.length === 0) break
    try {
      const reply = await call(ctx, owner, { op: Op.GET, keyspace, keys: missing })
      for (const entry of reply.entries) {
        // Later writes from this peer must order after what it has read.
        ctx.clock.observe(entry.version)
        found.set(entry.key, { entry: fromWire(entry), owner })
      }
      missing = missing.filter(key => !found.has(key))
    } catch (err) {
      failures++
      lastError = err
    }
  }
  if (failures === owners.length && owners.length > 0) {
    throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `no owner of ${keys.length} key(s) answered: ${(lastError as Error).message}`, { cause: lastError })
  }
  return found
}
