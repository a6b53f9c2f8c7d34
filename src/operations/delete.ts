import { Op } from '../protocol/frame.js'
import { applyDelete } from './apply.js'
import type { ApplyComponents } from './apply.js'
import type { OperationComponents } from './components.js'
import type { Frame } from '../protocol/frame.js'

/** Owner: a versioned delete of each key; found[i] = a live entry was removed. */
export async function handleDelete (c: ApplyComponents, frame: Frame): Promise<Partial<Frame>> {
  return { found: frame.keys.map(key => applyDelete(c, frame.keyspace, key, frame.version)) }
}

export type DeleteComponents = Pick<OperationComponents, 'clock' | 'near' | 'fanOut' | 'counters'>

/** Requester: deletes at every owner; resolves with whether each key existed anywhere. */
export async function deleteKeys ({ clock, near, fanOut, counters }: DeleteComponents, keyspace: string, keys: string[]): Promise<boolean[]> {
  const version = clock.tick()
  for (const key of keys) near.invalidate(keyspace, key, version)
  const found = await fanOut.toAllOwners(keyspace, keys, indexes => ({ op: Op.DELETE, keyspace, keys: indexes.map(i => keys[i]), version }))
  counters.deletes += keys.length
  return found
}
