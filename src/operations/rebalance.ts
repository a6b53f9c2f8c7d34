import { peerIdFromString } from '@libp2p/peer-id'
import { ErrorCodes, MeshCacheError } from '../errors.js'
import { checkedMember } from '../membership/member.js'
import { entryId } from '../values.js'
import { wireNumber } from '../util/wire.js'
import { Op } from '../protocol/frame.js'
import { applyWrite } from './apply.js'
import { call } from './context.js'
import { fromWire, toWire } from './entries.js'
import { chunk, wireSize } from './fan-out.js'
import type { Context } from './context.js'
import type { MemberInfo } from '../membership/membership.js'
import type { Ring } from '../ownership/index.js'
import type { Entry, Frame, Member as WireMember } from '../protocol/frame.js'

/*
 * Keys follow ownership. Four moments move them:
 * - a join: the newcomer sends JOIN to every member; each pushes it the keys
 *   it now owns, and drops those it no longer owns a grace period later;
 * - a graceful stop: the leaver pushes its keys to their next owners;
 * - a crash: for each key the dead peer owned, the first surviving owner
 *   copies it to whichever peer became an owner in its place;
 * - a merge (a member declared dead is back: a healed partition): as a join,
 *   but each side wrote on its own meanwhile, so replicas differ; the newer
 *   version wins wherever it lands, and nothing is dropped (below).
 */

/**
 * Owner: applies keys handed over by another owner. A key this owner lacked
 * changed for nobody: no invalidation. One it held in an older version
 * changed for its readers (the replicas had diverged: a partition, a missed
 * write), so that replacement is announced like a write.
 */
export async function handleHandoff (ctx: Context, frame: Frame): Promise<Partial<Frame>> {
  return {
    found: frame.entries.map(entry => {
      if (ctx.store.peek(entry.keyspace, entry.key) != null) return applyWrite(ctx, entry.keyspace, entry.key, fromWire(entry))
      ctx.clock.observe(entry.version)
      return ctx.store.apply(entry.keyspace, entry.key, fromWire(entry))
    })
  }
}

/** Member: a newcomer announces itself; answer once it holds the keys it now owns. */
export async function handleJoin (ctx: Context, frame: Frame, peer: string): Promise<Partial<Frame>> {
  if (frame.mesh !== ctx.settings.mesh) {
    throw new MeshCacheError(ErrorCodes.INVALID_OPTION, `this peer serves mesh ${JSON.stringify(ctx.settings.mesh)}, not ${JSON.stringify(frame.mesh)}`)
  }
  const info = frame.members[0]
  const member = info != null && info.peerId === peer ? fromWireMember(info) : undefined
  if (member != null) ctx.membership.upsert(member)
  await pushTo(ctx, peer)
  return { members: [ctx.membership.self, ...ctx.membership.members()].map(toWireMember) }
}

/** Member: a peer says goodbye (it has handed off its keys already). */
export async function handleLeave (ctx: Context, _frame: Frame, peer: string): Promise<Partial<Frame>> {
  ctx.membership.remove(peer, 'leave')
  return {}
}

/**
 * Newcomer: learns the view from the first seed that answers, then joins every
 * member, which hands over the keys this peer now owns. Returns the number of
 * members joined; 0 when no seed answered (first peer of a mesh).
 */
export async function join (ctx: Context, seeds: string[]): Promise<number> {
  const self = toWireMember(ctx.membership.self)
  const timeoutMs = ctx.settings.requestTimeoutMs * 6
  const joined = new Set<string>()
  for (const seed of seeds) {
    try {
      const reply = await call(ctx, seed, { op: Op.JOIN, mesh: ctx.settings.mesh, members: [self] }, timeoutMs)
      for (const wire of reply.members) {
        const member = fromWireMember(wire)
        if (member != null) ctx.membership.upsert(member)
      }
      joined.add(seed)
      break
    } catch {
      // Try the next seed.
    }
  }
  await Promise.all(ctx.membership.members().filter(m => !joined.has(m.peerId)).map(async member => {
    await call(ctx, member.peerId, { op: Op.JOIN, mesh: ctx.settings.mesh, members: [self] }, timeoutMs).then(() => joined.add(member.peerId), () => {})
  }))
  return joined.size
}

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
export async function pushTo (ctx: Context, peer: string, keep = false): Promise<void> {
  const running = ctx.transfers.get(peer)
  if (running != null) return running
  const transfer = (async () => {
    let moving: Entry[] = []
    // A newcomer is often too busy starting up to take its keys at once, and
    // after a failed push only this peer may still hold some of them (the
    // churn test read such keys as missing for 10 s): try again a few times
    // while it is still a member.
    for (let attempt = 0; ; attempt++) {
      moving = []
      for (const [keyspace, key, entry] of ctx.store.entries()) {
        if (ctx.owners(keyspace, key).includes(peer)) moving.push(toWire(keyspace, key, entry))
      }
      if (await send(ctx, peer, moving)) break
      if (attempt >= PUSH_RETRIES || !ctx.membership.has(peer)) return
      await new Promise(resolve => setTimeout(resolve, ctx.settings.requestTimeoutMs * PUSH_RETRY_SHARE * 2 ** attempt))
      if (!ctx.membership.has(peer)) return
    }
    if (keep) return
    // Not dropped yet: a reader that has not heard of the newcomer still asks
    // this peer, and if the key's other owner died meanwhile, only the
    // newcomer would hold it. The stray sweep drops it once the view has had
    // time to spread (reconcile). A write that landed here while the push was
    // out is newer than what the newcomer got: the sweep sends that on first.
    const now = ctx.now()
    for (const { keyspace, key, version } of moving) {
      if (ctx.store.peek(keyspace, key)?.version !== version) continue
      if (!ctx.owners(keyspace, key).includes(ctx.self)) ctx.handedOff.set(entryId(keyspace, key), now)
    }
  })().finally(() => { ctx.transfers.delete(peer) })
  ctx.transfers.set(peer, transfer)
  return transfer
}

/**
 * Leaver: hands each key to the owners it will have once this peer is gone.
 * Resolves with the version sent per entry id; given that map from an earlier
 * pass, sends only the entries written since.
 */
export async function handOffAll (ctx: Context, without: Ring, skip?: Map<string, bigint>): Promise<Map<string, bigint>> {
  const targets = new Map<string, Entry[]>()
  const sent = new Map<string, bigint>()
  for (const [keyspace, key, entry] of ctx.store.entries()) {
    const id = entryId(keyspace, key)
    sent.set(id, entry.version)
    if (skip?.get(id) === entry.version) continue
    const now = new Set(ctx.owners(keyspace, key))
    for (const owner of ctx.ownersIn(without, keyspace, key)) {
      if (!now.has(owner)) addTarget(targets, owner, toWire(keyspace, key, entry)) // the others hold it already
    }
  }
  await sendAll(ctx, targets)
  return sent
}

/** Survivor of a crash: re-creates the replicas the dead peer held. */
export async function reReplicate (ctx: Context, before: Ring, after: Ring, dead: string): Promise<void> {
  const targets = new Map<string, Entry[]>()
  for (const [keyspace, key, entry] of ctx.store.entries()) {
    const previous = ctx.ownersIn(before, keyspace, key)
    if (!previous.includes(dead)) continue
    // One survivor copies, the first in rank, so a key is not sent twice.
    if (previous.find(p => p !== dead) !== ctx.self) continue
    for (const owner of ctx.ownersIn(after, keyspace, key)) {
      if (!previous.includes(owner)) addTarget(targets, owner, toWire(keyspace, key, entry))
    }
  }
  await sendAll(ctx, targets)
}

/**
 * Once a merge has settled: every key this peer holds goes to each of its
 * other owners (the newer version wins there), which repairs what a failed
 * push, or one made in a half-merged view, missed; keys this peer no longer
 * owns (pushTo kept them) are dropped once all their owners acknowledged.
 * Resolves whether every send succeeded (if not, the caller tries again).
 * `onlyStrays`: just the keys this peer holds without owning them — a push
 * that failed kept them, and the churn test read such keys as missing for
 * seconds until they found their owners again.
 */
export async function reconcile (ctx: Context, onlyStrays = false): Promise<boolean> {
  const targets = new Map<string, Entry[]>()
  const strays: Array<{ entry: Entry, owners: string[] }> = []
  const now = ctx.now()
  let waiting = 0
  for (const [keyspace, key, stored] of ctx.store.entries()) {
    const owners = ctx.owners(keyspace, key)
    const owned = owners.includes(ctx.self)
    if (onlyStrays && owned) continue
    // Handed to a newcomer a moment ago (pushTo): its owners have it; it stays
    // here until every reader has heard of the newcomer.
    const handed = owned ? undefined : ctx.handedOff.get(entryId(keyspace, key))
    const recent = handed != null && now - handed < ctx.handOffGraceMs
    if (recent) waiting++
    if (recent && onlyStrays) continue
    const entry = toWire(keyspace, key, stored)
    for (const owner of owners) if (owner !== ctx.self) addTarget(targets, owner, entry)
    if (!owned && !recent && owners.length > 0) strays.push({ entry, owners })
  }
  // Older marks are plain strays now (or the key is gone): forget them.
  for (const [id, at] of ctx.handedOff) if (now - at >= ctx.handOffGraceMs) ctx.handedOff.delete(id)
  const failed = new Set<string>()
  await Promise.all([...targets].map(async ([peer, entries]) => { if (!await send(ctx, peer, entries)) failed.add(peer) }))
  for (const { entry: { keyspace, key, version }, owners } of strays) {
    // Written here meanwhile, not received by an owner, or owned by others now: keep.
    if (ctx.store.peek(keyspace, key)?.version !== version || owners.some(o => failed.has(o))) continue
    if (ctx.owners(keyspace, key).join() !== owners.join()) continue
    ctx.store.drop(keyspace, key)
  }
  return failed.size === 0 && waiting === 0
}

function addTarget (targets: Map<string, Entry[]>, peer: string, entry: Entry): void {
  const list = targets.get(peer)
  if (list == null) targets.set(peer, [entry])
  else list.push(entry)
}

async function sendAll (ctx: Context, targets: Map<string, Entry[]>): Promise<void> {
  await Promise.all([...targets].map(async ([peer, entries]) => send(ctx, peer, entries)))
}

/** Sends entries in bounded HANDOFF frames; true when every frame was acknowledged. */
async function send (ctx: Context, peer: string, entries: Entry[]): Promise<boolean> {
  if (entries.length === 0) return true
  for (const part of chunk(entries, wireSize)) {
    try {
      await call(ctx, peer, { op: Op.HANDOFF, entries: part })
    } catch {
      // The target is gone or stuck: the rest would only wait out the same timeouts.
      return false
    }
  }
  return true
}

export function toWireMember (member: MemberInfo): WireMember {
  return { peerId: member.peerId, role: member.role, weight: member.weight, incarnation: BigInt(member.incarnation), addrs: member.addrs }
}

function fromWireMember (member: WireMember): MemberInfo | undefined {
  const checked = checkedMember(member)
  if (checked == null || !isPeerId(checked.peerId)) return undefined
  return { peerId: checked.peerId, role: checked.role, weight: checked.weight, incarnation: wireNumber(member.incarnation), addrs: member.addrs }
}

function isPeerId (text: string): boolean {
  try {
    peerIdFromString(text)
    return true
  } catch {
    return false
  }
}
