import { entryId } from '../values.js'
import { toWire } from '../operations/entries.js'
import { addTarget, send, sendAll } from './send.js'
import type { MoveComponents, PushComponents, RebalanceState } from './components.js'
import type { Targets } from './send.js'
import type { Ring } from '../ownership/index.js'
import type { Entry } from '../protocol/frame.js'
import type { Logger } from '@libp2p/interface'

const PUSH_RETRIES = 3
/** The first wait before a push is tried again, as a share of the request timeout (500 ms by default); it doubles. */
const PUSH_RETRY_SHARE = 0.1

/**
 * Pushes to `peer` every local key it owns now; then marks the ones this peer
 * no longer owns for the stray sweep to drop, unless `keep`. Dropping after
 * one push assumes the key's other owners hold it already; after a merge they
 * may hold an older version (they were on the other side), and with the key
 * gone here, the newer one would reach only `peer`. So a merge keeps it, to
 * push it to each owner as it comes back into view; reconcile() drops it once
 * the view has settled.
 */
export async function pushTo (c: PushComponents, state: RebalanceState, log: Logger, peer: string, keep = false): Promise<void> {
  const running = state.transfers.get(peer)
  if (running != null) return running
  const transfer = (async () => {
    let moving: Entry[] = []
    // A newcomer is often too busy starting up to take its keys at once, and
    // after a failed push only this peer may still hold some of them (the
    // churn test read such keys as missing for 10 s): try again a few times
    // while it is still a member.
    for (let attempt = 0; ; attempt++) {
      moving = []
      for (const [keyspace, key, entry] of c.store.entries()) {
        if (c.view.owners(keyspace, key).includes(peer)) moving.push(toWire(keyspace, key, entry))
      }
      if (await send(c.requests, log, peer, moving)) break
      if (attempt >= PUSH_RETRIES || !c.view.isMember(peer)) {
        log('gave up pushing %d keys to %s after %d attempt(s)', moving.length, peer, attempt + 1)
        return
      }
      await new Promise(resolve => setTimeout(resolve, c.settings.requestTimeoutMs * PUSH_RETRY_SHARE * 2 ** attempt))
      if (!c.view.isMember(peer)) return
    }
    if (moving.length > 0) log('pushed %d keys to %s', moving.length, peer)
    if (keep) return
    // Not dropped yet: a reader that has not heard of the newcomer still asks
    // this peer, and if the key's other owner died meanwhile, only the
    // newcomer would hold it. The stray sweep drops it once the view has had
    // time to spread (reconcile). A write that landed here while the push was
    // out is newer than what the newcomer got: the sweep sends that on first.
    const now = c.now()
    for (const { keyspace, key, version } of moving) {
      if (c.store.peek(keyspace, key)?.version !== version) continue
      if (!c.view.owners(keyspace, key).includes(c.self)) state.handedOff.set(entryId(keyspace, key), now)
    }
  })().finally(() => { state.transfers.delete(peer) })
  state.transfers.set(peer, transfer)
  return transfer
}

/**
 * Leaver: hands each key to the owners it will have once this peer is gone.
 * Resolves with the version sent per entry id; given that map from an earlier
 * pass, sends only the entries written since.
 */
export async function handOffAll (c: MoveComponents, log: Logger, without: Ring, skip?: Map<string, bigint>): Promise<Map<string, bigint>> {
  const targets: Targets = new Map()
  const sent = new Map<string, bigint>()
  for (const [keyspace, key, entry] of c.store.entries()) {
    const id = entryId(keyspace, key)
    sent.set(id, entry.version)
    if (skip?.get(id) === entry.version) continue
    const now = new Set(c.view.owners(keyspace, key))
    for (const owner of c.ownership.ownersIn(without, keyspace, key)) {
      if (!now.has(owner)) addTarget(targets, owner, toWire(keyspace, key, entry)) // the others hold it already
    }
  }
  log('leaving: handing %d entries to %d peer(s)', [...targets.values()].reduce((n, list) => n + list.length, 0), targets.size)
  await sendAll(c.requests, log, targets)
  return sent
}

/** Survivor of a crash or a leave: re-creates the replicas the peer that went held. */
export async function reReplicate (c: MoveComponents, log: Logger, before: Ring, after: Ring, dead: string): Promise<void> {
  const targets: Targets = new Map()
  for (const [keyspace, key, entry] of c.store.entries()) {
    const previous = c.ownership.ownersIn(before, keyspace, key)
    if (!previous.includes(dead)) continue
    // One survivor copies, the first in rank, so a key is not sent twice.
    if (previous.find(p => p !== dead) !== c.self) continue
    for (const owner of c.ownership.ownersIn(after, keyspace, key)) {
      if (!previous.includes(owner)) addTarget(targets, owner, toWire(keyspace, key, entry))
    }
  }
  if (targets.size > 0) log('%s is gone: copying its replicas to %d peer(s)', dead, targets.size)
  await sendAll(c.requests, log, targets)
}
