import { ErrorCodes, MeshCacheError } from '../errors.js'
import { call } from './context.js'
import type { Context } from './context.js'
import type { Entry, Frame } from '../protocol/frame.js'

/** A batch frame stays well under the receiver's frame bound. */
export const MAX_BATCH_BYTES = 512 * 1024

/**
 * Sends every key to all of its owners, one frame per owner (split when a
 * batch would be too large; retried once when the owner is still a member),
 * and merges the answers: a key's flag is true
 * when any owner said so. Every key must reach at least one owner; when one
 * reaches none, the whole call rejects with ERR_UNAVAILABLE, after the other
 * keys were written — a network failure, unlike bad input, can leave part of a
 * batch applied.
 */
export async function toAllOwners (
  ctx: Context,
  keyspace: string,
  keys: string[],
  makeFrame: (indexes: number[]) => Partial<Frame>,
  sizeOf: (index: number) => number = () => 0,
  skip?: string
): Promise<boolean[]> {
  const byOwner = new Map<string, number[]>()
  keys.forEach((key, index) => {
    for (const owner of ctx.owners(keyspace, key)) {
      if (owner === skip) continue
      const list = byOwner.get(owner)
      if (list == null) byOwner.set(owner, [index])
      else list.push(index)
    }
  })
  if (byOwner.size === 0) throw new MeshCacheError(ErrorCodes.UNAVAILABLE, 'the mesh has no owner-role member')

  const flags = new Array<boolean>(keys.length).fill(false)
  const acked = new Array<boolean>(keys.length).fill(false)
  let lastError: unknown
  await Promise.all([...byOwner].flatMap(([owner, indexes]) => chunk(indexes, sizeOf).map(async part => {
    // One retry: a write carries its version, so sending it twice is harmless,
    // and a stream that could not open in time often can a moment later.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const reply = await call(ctx, owner, makeFrame(part))
        part.forEach((index, i) => {
          acked[index] = true
          if (reply.found[i] === true) flags[index] = true
        })
        return
      } catch (err) {
        lastError = err
        if (!retriable(err) || !ctx.membership.has(owner)) return
      }
    }
  })))
  const lost = acked.indexOf(false)
  if (lost >= 0) {
    throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `no owner of key ${JSON.stringify(keys[lost])} answered: ${(lastError as Error)?.message}`, { cause: lastError })
  }
  return flags
}

function retriable (err: unknown): boolean {
  return err instanceof MeshCacheError && (err.code === ErrorCodes.UNAVAILABLE || err.code === ErrorCodes.TIMEOUT)
}

/** Splits items into batches of at most MAX_BATCH_BYTES (an item larger than that goes alone). */
export function chunk<T> (items: T[], sizeOf: (item: T) => number): T[][] {
  const parts: T[][] = [[]]
  let bytes = 0
  for (const item of items) {
    const size = sizeOf(item)
    if (bytes + size > MAX_BATCH_BYTES && parts[parts.length - 1].length > 0) {
      parts.push([])
      bytes = 0
    }
    parts[parts.length - 1].push(item)
    bytes += size
  }
  return parts
}

/** Roughly what an entry costs in a frame: its value and its key as UTF-8 at worst. */
export function wireSize (entry: Entry): number {
  return entry.value.byteLength + entry.key.length * 3
}
