import { Op } from '../protocol/frame.js'
import { chunk, wireSize } from '../operations/fan-out.js'
import type { Requests } from '../operations/components.js'
import type { Entry } from '../protocol/frame.js'
import type { Logger } from '@libp2p/interface'

/** Entries to send, by receiving peer. */
export type Targets = Map<string, Entry[]>

export function addTarget (targets: Targets, peer: string, entry: Entry): void {
  const list = targets.get(peer)
  if (list == null) targets.set(peer, [entry])
  else list.push(entry)
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
