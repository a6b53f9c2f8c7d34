import { wireNumber } from '../util/wire.js'
import { Op } from '../protocol/frame.js'
import { applyExpire } from './apply.js'
import { toAllOwners } from './fan-out.js'
import type { Context } from './context.js'
import type { Frame } from '../protocol/frame.js'

/** Owner: sets each live key's absolute expiry (0 = never); found[i] = the key was live. */
export async function handleExpire (ctx: Context, frame: Frame): Promise<Partial<Frame>> {
  const expiresAt = wireNumber(frame.expiresAt)
  return { found: frame.keys.map(key => applyExpire(ctx, frame.keyspace, key, expiresAt, frame.version)) }
}

/** Requester: gives a key a new TTL at all its owners; false when the key is absent. */
export async function expireKey (ctx: Context, keyspace: string, key: string, expiresAt: number): Promise<boolean> {
  const version = ctx.clock.tick()
  ctx.near.invalidate(keyspace, key, version)
  const [found] = await toAllOwners(ctx, keyspace, [key], () => ({ op: Op.EXPIRE, keyspace, keys: [key], version, expiresAt: BigInt(expiresAt) }))
  return found
}
