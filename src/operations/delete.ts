import { Op } from '../protocol/frame.js'
import { applyDelete } from './apply.js'
import { toAllOwners } from './fan-out.js'
import type { Context } from './context.js'
import type { Frame } from '../protocol/frame.js'

/** Owner: a versioned delete of each key; found[i] = a live entry was removed. */
export async function handleDelete (ctx: Context, frame: Frame): Promise<Partial<Frame>> {
  return { found: frame.keys.map(key => applyDelete(ctx, frame.keyspace, key, frame.version)) }
}

/** Requester: deletes at every owner; resolves with whether each key existed anywhere. */
export async function deleteKeys (ctx: Context, keyspace: string, keys: string[]): Promise<boolean[]> {
  const version = ctx.clock.tick()
  for (const key of keys) ctx.near.invalidate(keyspace, key, version)
  const found = await toAllOwners(ctx, keyspace, keys, indexes => ({ op: Op.DELETE, keyspace, keys: indexes.map(i => keys[i]), version }))
  ctx.counters.deletes += keys.length
  return found
}
