import { Op } from '../protocol/frame.js'
import { call } from './context.js'
import type { Context } from './context.js'
import type { Frame } from '../protocol/frame.js'

/** Member: names of the keyspaces it holds or has configured. */
export async function handleKeyspaces (ctx: Context): Promise<Partial<Frame>> {
  return { names: ctx.store.keyspaces() }
}

/** Member: forgets a keyspace's entries, near copies and budget. */
export async function handleDropKeyspace (ctx: Context, frame: Frame): Promise<Partial<Frame>> {
  ctx.store.dropKeyspace(frame.keyspace)
  ctx.near.dropKeyspace(frame.keyspace)
  return {}
}

/** Requester: every keyspace known anywhere in the mesh, sorted. Unreachable members are skipped. */
export async function listKeyspaces (ctx: Context): Promise<string[]> {
  const names = new Set<string>()
  await Promise.all(everyone(ctx).map(async peer => {
    const reply = await call(ctx, peer, { op: Op.KEYSPACES }).catch(() => undefined)
    for (const name of reply?.names ?? []) names.add(name)
  }))
  return [...names].sort()
}

/** Requester: drops a keyspace on every member; resolves with how many members confirmed. */
export async function dropKeyspace (ctx: Context, keyspace: string): Promise<number> {
  const replies = await Promise.allSettled(everyone(ctx).map(async peer => call(ctx, peer, { op: Op.DROP_KEYSPACE, keyspace })))
  return replies.filter(r => r.status === 'fulfilled').length
}

function everyone (ctx: Context): string[] {
  return [ctx.self, ...ctx.membership.members().map(m => m.peerId)]
}
