import { Op } from '../protocol/frame.js'
import { chunk, wireSize } from '../operations/fan-out.js'
import type { Requests } from '../operations/components.js'
import type { Entry } from '../protocol/frame.js'
import type { Logger } from '@libp2p/interface'

/** Entries to send, by receiving peer. */
export type Targets = Map<string, Entry[]>

/** Adds an item to a peer's list (entries for HANDOFF, deletes for DELETE). */
export function addTarget<T> (targets: Map<string, T[]>, peer: string, item: T): void {
  const list = targets.get(peer)
  if (list == null) targets.set(peer, [item])
  else list.push(item)
}

/** Sends entries in bounded HANDOFF frames; true when every frame was acknowledged. */
export async function send (requests: Requests, log: Logger, peer: string, entries: Entry[]): Promise<boolean> {
  if (entries.length === 0) return true
  for (const part of chunk(entries, wireSize)) {
    try {
      await requests.call(peer, { op: Op.HANDOFF, entries: part })
    } catch (err) {
      // The target is gone or stuck: the rest would only wait out the same timeouts.
      log('a hand-off of %d entries to %s failed: %s', entries.length, peer, (err as Error).message)
      return false
    }
  }
  log.trace('handed %d entries to %s', entries.length, peer)
  return true
}

/** Sends to every target at once; resolves with the peers that did not take theirs. */
export async function sendAll (requests: Requests, log: Logger, targets: Targets): Promise<Set<string>> {
  const failed = new Set<string>()
  await Promise.all([...targets].map(async ([peer, entries]) => {
    if (!await send(requests, log, peer, entries)) failed.add(peer)
  }))
  return failed
}

/** A key deleted here lately, for its other owners. */
export interface Deleted { keyspace: string, key: string, version: bigint }

/** Keys per DELETE frame: keys are at most a few KiB, a frame stays well under its limit. */
const DELETES_PER_FRAME = 256

/**
 * Sends deletes as versioned DELETE frames, one per keyspace and version (a
 * deleteMany shares one): the owner applies each as it would a delete of
 * its own, newer than what it holds or a no-op. True when every frame was
 * acknowledged.
 */
export async function sendDeletes (requests: Requests, log: Logger, peer: string, deleted: Deleted[]): Promise<boolean> {
  const groups = new Map<string, { keyspace: string, version: bigint, keys: string[] }>()
  for (const { keyspace, key, version } of deleted) {
    const id = `${version}:${keyspace}`
    let group = groups.get(id)
    if (group === undefined) groups.set(id, group = { keyspace, version, keys: [] })
    group.keys.push(key)
  }
  for (const { keyspace, version, keys } of groups.values()) {
    for (let i = 0; i < keys.length; i += DELETES_PER_FRAME) {
      try {
        await requests.call(peer, { op: Op.DELETE, keyspace, version, keys: keys.slice(i, i + DELETES_PER_FRAME) })
      } catch (err) {
        log('sending %d deletes to %s failed: %s', deleted.length, peer, (err as Error).message)
        return false
      }
    }
  }
  return true
}
