import { Op } from '../protocol/frame.js'
import type { Context } from './context.js'
import type { Frame } from '../protocol/frame.js'

export async function handlePing (): Promise<Partial<Frame>> {
  return {}
}

/** Round-trip time to a peer over the meshcache protocol, in ms. */
export async function ping (ctx: Context, peer: string, timeoutMs?: number): Promise<number> {
  const start = performance.now()
  await ctx.rpc.request(peer, { op: Op.PING }, timeoutMs)
  return performance.now() - start
}
