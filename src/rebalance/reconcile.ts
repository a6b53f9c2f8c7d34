import { entryId } from '../values.js'
import { toWire } from '../operations/entries.js'
import { addTarget, sendAll, sendDeletes } from './send.js'
import type { PushComponents, RebalanceState } from './components.js'
import type { Deleted, Targets } from './send.js'
import type { Entry } from '../protocol/frame.js'
import type { Logger } from '@libp2p/interface'

/**
 * Once a merge has settled: every key this peer holds goes to each of its
 * other owners (the newer version wins there), and so does every key it
 * deleted lately (its tombstone, as a versioned DELETE: an owner that missed
 * the delete would serve the older value for good), which repairs what a
 * failed push, or one made in a half-merged view, missed; keys this peer no longer
 * owns (pushTo kept them) are dropped once all their owners acknowledged.
 * Resolves whether every send succeeded (if not, the caller tries again).
 * `onlyStrays`: just the keys this peer holds without owning them — a push
 * that failed kept them, and the churn test read such keys as missing for
 * seconds until they found their owners again.
 */
export async function reconcile (c: Omit<PushComponents, 'settings'>, state: RebalanceState, log: Logger, onlyStrays = false): Promise<boolean> {
  const targets: Targets = new Map()
  const strays: Array<{ entry: Entry, owners: string[] }> = []
  const now = c.now()
  let waiting = 0
  for (const [keyspace, key, stored] of c.store.entries()) {
    const owners = c.view.owners(keyspace, key)
    const owned = owners.includes(c.self)
    if (onlyStrays && owned) continue
    // Handed to a newcomer a moment ago (pushTo): its owners have it; it stays
    // here until every reader has heard of the newcomer.
    const handed = owned ? undefined : state.handedOff.get(entryId(keyspace, key))
    const recent = handed != null && now - handed < state.handOffGraceMs
    if (recent) waiting++
    if (recent && onlyStrays) continue
    const entry = toWire(keyspace, key, stored)
    for (const owner of owners) if (owner !== c.self) addTarget(targets, owner, entry)
    if (!owned && !recent && owners.length > 0) strays.push({ entry, owners })
  }
  // Older marks are plain strays now (or the key is gone): forget them.
  for (const [id, at] of state.handedOff) if (now - at >= state.handOffGraceMs) state.handedOff.delete(id)
  const failed = await sendAll(c.requests, log, targets)
  if (!onlyStrays) await sendTombstones(c, log, failed)
  let dropped = 0
  for (const { entry: { keyspace, key, version }, owners } of strays) {
    // Written here meanwhile, not received by an owner, or owned by others now: keep.
    if (c.store.peek(keyspace, key)?.version !== version || owners.some(o => failed.has(o))) continue
    if (c.view.owners(keyspace, key).join() !== owners.join()) continue
    c.store.drop(keyspace, key)
    dropped++
  }
  if (dropped > 0 || failed.size > 0) log('%s: %d strays dropped, %d peer(s) failed, %d waiting', onlyStrays ? 'stray sweep' : 'reconcile', dropped, failed.size, waiting)
  return failed.size === 0 && waiting === 0
}

/** Every live tombstone to the key's other owners; peers that did not take theirs join `failed`. */
async function sendTombstones (c: Omit<PushComponents, 'settings'>, log: Logger, failed: Set<string>): Promise<void> {
  const byPeer = new Map<string, Deleted[]>()
  for (const [keyspace, key, { version }] of c.store.tombstones()) {
    for (const owner of c.view.owners(keyspace, key)) if (owner !== c.self) addTarget(byPeer, owner, { keyspace, key, version })
  }
  await Promise.all([...byPeer].map(async ([peer, deleted]) => {
    if (!await sendDeletes(c.requests, log, peer, deleted)) failed.add(peer)
  }))
}
