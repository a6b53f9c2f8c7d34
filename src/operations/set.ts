import { Op } from '../protocol/frame.js'
import { applyWrite } from './apply.js'
import { fromWire, toWire } from './entries.js'
import { toAllOwners, wireSize } from './fan-out.js'
import type { Context } from './context.js'
import type { Frame } from '../protocol/frame.js'

export interface EncodedWrite {
  key: string
  /** Already encoded (values.ts) and size-checked. */
  value: Uint8Array
  expiresAt: number
  staleAt?: number
}

/** Owner: stores each entry that is newer than what it has; found[i] = stored. */
export async function handleSet (ctx: Context, frame: Frame): Promise<Partial<Frame>> {
  return { found: frame.entries.map(entry => applyWrite(ctx, entry.keyspace, entry.key, fromWire(entry))) }
}

/**
 * Requester: stamps each write with the hybrid clock, sends it to every owner
 * and resolves once each key is stored by at least one. A reader that does not
 * own the key keeps the value in its near cache: it reads its own writes.
 */
export async function setEntries (ctx: Context, keyspace: string, writes: EncodedWrite[]): Promise<void> {
  const entries = writes.map(({ key, value, expiresAt, staleAt }) => toWire(keyspace, key, { value, version: ctx.clock.tick(), expiresAt, staleAt }))
  await toAllOwners(ctx, keyspace, writes.map(w => w.key),
    indexes => ({ op: Op.SET, entries: indexes.map(i => entries[i]) }),
    index => wireSize(entries[index]))
  ctx.counters.sets += writes.length
  entries.forEach(entry => {
    const owners = ctx.owners(keyspace, entry.key)
    if (!owners.includes(ctx.self)) ctx.near.set(keyspace, entry.key, { ...fromWire(entry), owner: owners[0], fetchedAt: ctx.now() })
  })
}
