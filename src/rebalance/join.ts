import { ErrorCodes, MeshCacheError } from '../errors.js'
import { checkedMember } from '../membership/member.js'
import { Op } from '../protocol/frame.js'
import { isPeerId } from '../util/peer-id.js'
import { wireNumber } from '../util/wire.js'
import type { RebalanceComponents } from './components.js'
import type { Settings } from '../operations/components.js'
import type { MemberInfo } from '../membership/membership.js'
import type { Frame, Member as WireMember } from '../protocol/frame.js'
import type { Logger } from '@libp2p/interface'

/** What joining needs: the view to fill, a way to ask, and the mesh's name. */
export type JoinComponents = Pick<RebalanceComponents, 'membership' | 'requests' | 'connected'> & {
  settings: Pick<Settings, 'mesh' | 'requestTimeoutMs'>
}

/**
 * Members a newcomer JOINs directly besides its seed. The rest hear of it by
 * gossip, and hand it its keys then (Rebalance.joined). Joining all of them
 * made a mesh of N peers open N²/2 connections as it started: 100 peers
 * started at once spent ~200 CPU-seconds on 4 950 handshakes, identifies and
 * peer-store writes. Requests dial the owners they need as they go.
 */
export const JOIN_FANOUT = 8

/**
 * Newcomer: learns the view from the first seed that answers, then joins up
 * to JOIN_FANOUT other members picked at random (so that the connections form
 * a well-knit graph for gossip), which hand over the keys this peer now owns.
 * Returns the number of members joined; 0 when no seed answered (first peer
 * of a mesh).
 */
export async function join (c: JoinComponents, log: Logger, seeds: string[]): Promise<number> {
  const { membership, requests, settings } = c
  const timeoutMs = settings.requestTimeoutMs * 6
  const joined = new Set<string>()
  for (const seed of seeds) {
    try {
      const { inView } = await swapViews(c, seed, timeoutMs)
      joined.add(seed)
      log('joined through seed %s: %d member(s) in its view', seed, inView)
      break
    } catch (err) {
      log('seed %s did not let this peer join, trying the next: %s', seed, (err as Error).message)
    }
  }
  await Promise.all(sample(membership.members().filter(m => !joined.has(m.peerId)), JOIN_FANOUT).map(async member => {
    await requests.call(member.peerId, joinFrame(c), timeoutMs).then(() => joined.add(member.peerId), (err: Error) => {
      log('member %s did not answer the join: %s', member.peerId, err.message)
    })
  }))
  return joined.size
}

/**
 * After the join, this peer swaps views with a random member a few times
 * (SYNC_AFTER_MS): the peers that joined at the same moment elsewhere are in
 * theirs, and they learn this one. Heartbeats alone would take a period to
 * fill those gaps (50 s at 100 members), and a newcomer's first ones go out
 * before gossip's meshes have formed around it. A member it is connected to
 * already is asked if there is one: a new connection costs both ends more
 * than the swap. Resolves whether it answered.
 */
export async function syncView (c: JoinComponents, log: Logger): Promise<boolean> {
  const members = c.membership.members()
  const connected = members.filter(m => c.connected(m.peerId))
  const [member] = sample(connected.length > 0 ? connected : members, 1)
  if (member == null) return false
  try {
    const { inView, learned } = await swapViews(c, member.peerId)
    log('swapped views with %s: %d member(s) in its view, %d new here', member.peerId, inView, learned)
    return true
  } catch (err) {
    log('swapping views with %s failed: %s', member.peerId, (err as Error).message)
    return false
  }
}

/** When syncView runs, counted from the join. */
export const SYNC_AFTER_MS = [1_000, 3_000, 7_000, 15_000]

/** This peer's JOIN: itself as the one member it names. */
function joinFrame (c: JoinComponents): Partial<Frame> {
  return { op: Op.JOIN, mesh: c.settings.mesh, members: [toWireMember(c.membership.self)] }
}

/** JOINs the peer and takes in the view it answers with: how many members it named, and how many were new here. */
async function swapViews (c: JoinComponents, peer: string, timeoutMs?: number): Promise<{ inView: number, learned: number }> {
  const reply = await c.requests.call(peer, joinFrame(c), timeoutMs)
  let learned = 0
  for (const wire of reply.members) {
    const info = fromWireMember(wire)
    if (info != null && c.membership.upsert(info, true)) learned++
  }
  c.membership.reportedDead(reply.dead, peer)
  return { inView: reply.members.length, learned }
}

/** `count` of `items` picked at random (shuffling `items` in place). */
function sample<T> (items: T[], count: number): T[] {
  for (let i = 0; i < Math.min(count, items.length); i++) {
    const j = i + Math.floor(Math.random() * (items.length - i))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items.slice(0, count)
}

/**
 * Member: a newcomer announces itself; `push` hands it its keys before the
 * answer. `isNew` is false for a member known already (swapping views,
 * syncView): its keys went out when it became known.
 */
export async function handleJoin (c: Omit<JoinComponents, 'requests'>, frame: Frame, peer: string, push: (peer: string, isNew: boolean) => Promise<void>): Promise<Partial<Frame>> {
  const { membership, settings } = c
  if (frame.mesh !== settings.mesh) {
    throw new MeshCacheError(ErrorCodes.INVALID_OPTION, `this peer serves mesh ${JSON.stringify(settings.mesh)}, not ${JSON.stringify(frame.mesh)}`)
  }
  const info = frame.members[0]
  const member = info != null && info.peerId === peer ? fromWireMember(info) : undefined
  await push(peer, member == null || membership.upsert(member))
  const dead = membership.lostMembers().map(({ peerId, incarnation }) => ({ peerId, role: '', weight: 0, incarnation: BigInt(incarnation), addrs: [] }))
  return { members: [membership.self, ...membership.members()].map(toWireMember), dead }
}

/** Member: a peer says goodbye (it has handed off its keys already). */
export async function handleLeave (c: { membership: Pick<RebalanceComponents['membership'], 'remove'> }, peer: string): Promise<Partial<Frame>> {
  c.membership.remove(peer, 'leave')
  return {}
}

export function toWireMember (member: MemberInfo): WireMember {
  return { peerId: member.peerId, role: member.role, weight: member.weight, incarnation: BigInt(member.incarnation), addrs: member.addrs }
}

function fromWireMember (member: WireMember): MemberInfo | undefined {
  const checked = checkedMember(member)
  if (checked == null || !isPeerId(checked.peerId)) return undefined
  return { peerId: checked.peerId, role: checked.role, weight: checked.weight, incarnation: wireNumber(member.incarnation), addrs: member.addrs }
}
