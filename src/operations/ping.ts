import { Op } from '../protocol/frame.js'
import type { Requests } from './components.js'
import type { Frame } from '../protocol/frame.js'

export async function handlePing (): Promise<Partial<Frame>> {
  return {}
}

/** Round-trip time to a peer over the meshcache protocol, in ms. */
export async function ping (requests: Requests, peer: string, timeoutMs?: number): Promise<number> {
  const start = performance.now()
  await requests.call(peer, { op: Op.PING }, timeoutMs)
  return performance.now() - start
}
