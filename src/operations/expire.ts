import { wireNumber } from '../util/wire.js'
import { Op } from '../protocol/frame.js'
import { applyExpire } from './apply.js'
import type { ApplyComponents } from './apply.js'
import type { OperationComponents } from './components.js'
import type { Frame } from '../protocol/frame.js'

/** Owner: sets each live key's absolute expiry (0 = never); found[i] = the key was live. */
export async function handleExpire (c: ApplyComponents, frame: Frame): Promise<Partial<Frame>> {
  const expiresAt = wireNumber(frame.expiresAt)
  return { found: frame.keys.map(key => applyExpire(c, frame.keyspace, key, expiresAt, frame.version)) }
}

export type ExpireComponents = Pick<OperationComponents, 'clock' | 'near' | 'fanOut'>

/** Requester: gives a key a new TTL at all its owners; false when the key is absent. */
export async function expireKey ({ clock, near, fanOut }: ExpireComponents, keyspace: string, key: string, expiresAt: number): Promise<boolean> {
  const version = clock.tick()
  near.invalidate(keyspace, key, version)
  const [found] = await fanOut.toAllOwners(keyspace, [key], () => ({ op: Op.EXPIRE, keyspace, keys: [key], version, expiresAt: BigInt(expiresAt) }))
  return found
}
