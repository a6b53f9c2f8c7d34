import { ErrorCodes, MeshCacheError } from '../errors.js'
import { withRetries } from './retry.js'
import type { OperationComponents, Settings } from './components.js'
import type { Entry, Frame } from '../protocol/frame.js'
import type { Logger } from '@libp2p/interface'

/** A batch frame stays well under the receiver's frame bound. */
export const MAX_BATCH_BYTES = 512 * 1024

export type FanOutComponents = Pick<OperationComponents, 'requests' | 'view' | 'now' | 'logger'> & {
  settings: Pick<Settings, 'requestTimeoutMs'>
}

/**
 * Sends keys to all of their owners, one frame per owner, and merges the
 * answers. Every write, delete and expire goes through here.
 */
export class FanOut {
  private readonly components: FanOutComponents
  private readonly log: Logger

  constructor (components: FanOutComponents) {
    this.components = components
    this.log = components.logger.forComponent('meshcache:fan-out')
  }

  /**
   * One frame per owner (split when a batch would be too large; retried
   * while the owner is still a member, retry.ts); a key's flag is true when
   * any owner said so. Every key must reach at least one owner; when one
   * reaches none, the whole call rejects with ERR_UNAVAILABLE, after the other
   * keys were written — a network failure, unlike bad input, can leave part of
   * a batch applied. `skip` leaves one peer out (a forwarding owner itself).
   */
  async toAllOwners (
    keyspace: string,
    keys: string[],
    makeFrame: (indexes: number[]) => Partial<Frame>,
    sizeOf: (index: number) => number = () => 0,
    skip?: string
  ): Promise<boolean[]> {
    const { requests, view } = this.components
    const byOwner = new Map<string, number[]>()
    keys.forEach((key, index) => {
      for (const owner of view.owners(keyspace, key)) {
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
      // A write carries its version, so sending it again is harmless.
      try {
        const reply = await withRetries(this.components, async () => requests.call(owner, makeFrame(part)), () => view.isMember(owner),
          (err, pause) => { this.log('%d key(s) to %s again in %d ms: %s', part.length, owner, pause, (err as Error).message) })
        part.forEach((index, i) => {
          acked[index] = true
          if (reply.found[i] === true) flags[index] = true
        })
      } catch (err) {
        this.log('owner %s did not take %d key(s): %s', owner, part.length, (err as Error).message)
        // It may have missed the write: its answer alone is not the answer for a while.
        view.disturbed()
        lastError = err
      }
    })))
    const lost = acked.indexOf(false)
    if (lost >= 0) {
      throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `no owner of key ${JSON.stringify(keys[lost])} answered: ${(lastError as Error)?.message}`, { cause: lastError })
    }
    return flags
  }
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
