import { Op } from '../protocol/frame.js'
import { applyWrite } from './apply.js'
import { fromWire, toWire } from './entries.js'
import { toAllOwners, wireSize } from './fan-out.js'
import type { Context } from './context.js'
import type { Entry, Frame } from '../protocol/frame.js'

export interface EncodedWrite {
  key: string
  /** Already encoded (values.ts) and size-checked. */
  value: Uint8Array
  expiresAt: number
  staleAt?: number
}

/**
 * Owner: stores each entry that is newer than what it has; found[i] = stored.
 * When the writer chose its owners from another view than this peer's (a
 * join or a death it has not heard of yet, or that this peer has not), the
 * entries go on to the owners this peer knows before it answers: otherwise a
 * write acknowledged by one owner can miss the owner that replaced another,
 * or sit with a peer that drops what it no longer owns. The churn test lost
 * writes and served 20 s-old values before this.
 */
export async function handleSet (ctx: Context, frame: Frame): Promise<Partial<Frame>> {
  const found = frame.entries.map(entry => applyWrite(ctx, entry.keyspace, entry.key, fromWire(entry)))
  if (!frame.forwarded && frame.view !== ctx.viewId()) await forward(ctx, frame.entries)
  return { found }
}

/** Sends entries on, once (`forwarded`), to their other owners under this peer's view. */
async function forward (ctx: Context, entries: Entry[]): Promise<void> {
  const byKeyspace = new Map<string, Entry[]>()
  for (const entry of entries) {
    const list = byKeyspace.get(entry.keyspace) ?? []
    list.push(entry)
    byKeyspace.set(entry.keyspace, list)
  }
  await Promise.all([...byKeyspace].flatMap(([keyspace, list]) => {
    const send = async (part: Entry[]): Promise<unknown> => toAllOwners(ctx, keyspace, part.map(e => e.key),
      indexes => ({ op: Op.SET, forwarded: true, entries: indexes.map(i => part[i]) }),
      index => wireSize(part[index]), ctx.self)
    // One this peer owns is safe here already; one it does not own must reach an owner.
    const owned: Entry[] = []
    const strays: Entry[] = []
    for (const entry of list) (ctx.owners(keyspace, entry.key).includes(ctx.self) ? owned : strays).push(entry)
    return [owned.length > 0 ? send(owned).catch(() => {}) : undefined, strays.length > 0 ? send(strays) : undefined]
  }))
}

/**
 * Requester: stamps each write with the hybrid clock, sends it to every owner
 * and resolves once each key is stored by at least one. A reader that does not
 * own the key keeps the value in its near cache: it reads its own writes.
 */
export async function setEntries (ctx: Context, keyspace: string, writes: EncodedWrite[]): Promise<void> {
  const entries = writes.map(({ key, value, expiresAt, staleAt }) => toWire(keyspace, key, { value, version: ctx.clock.tick(), expiresAt, staleAt }))
  const view = ctx.viewId()
  await toAllOwners(ctx, keyspace, writes.map(w => w.key),
    indexes => ({ op: Op.SET, view, entries: indexes.map(i => entries[i]) }),
    index => wireSize(entries[index]))
  ctx.counters.sets += writes.length
  entries.forEach(entry => {
    const owners = ctx.owners(keyspace, entry.key)
    if (!owners.includes(ctx.self)) ctx.near.set(keyspace, entry.key, { ...fromWire(entry), owner: owners[0], fetchedAt: ctx.now() })
  })
}
