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
export type JoinComponents = Pick<RebalanceComponents, 'membership' | 'requests'> & {
  settings: Pick<Settings, 'mesh' | 'requestTimeoutMs'>
}

/**
 * Newcomer: learns the view from the first seed that answers, then joins every
 * member, which hands over the keys this peer now owns. Returns the number of
 * members joined; 0 when no seed answered (first peer of a mesh).
 */
export async function join (c: JoinComponents, log: Logger, seeds: string[]): Promise<number> {
  const { membership, requests, settings } = c
  const self = toWireMember(membership.self)
  const timeoutMs = settings.requestTimeoutMs * 6
  const joined = new Set<string>()
  for (const seed of seeds) {
    try {
      const reply = await requests.call(seed, { op: Op.JOIN, mesh: settings.mesh, members: [self] }, timeoutMs)
      for (const wire of reply.members) {
        const member = fromWireMember(wire)
        if (member != null) membership.upsert(member)
      }
      joined.add(seed)
      log('joined through seed %s: %d member(s) in its view', seed, reply.members.length)
      break
    } catch (err) {
      log('seed %s did not let this peer join, trying the next: %s', seed, (err as Error).message)
    }
  }
  await Promise.all(membership.members().filter(m => !joined.has(m.peerId)).map(async member => {
    await requests.call(member.peerId, { op: Op.JOIN, mesh: settings.mesh, members: [self] }, timeoutMs).then(() => joined.add(member.peerId), (err: Error) => {
      log('member %s did not answer the join: %s', member.peerId, err.message)
    })
  }))
  return joined.size
}

/** Member: a newcomer announces itself; `push` hands it its keys before the answer. */
export async function handleJoin (c: Omit<JoinComponents, 'requests'>, frame: Frame, peer: string, push: (peer: string) => Promise<void>): Promise<Partial<Frame>> {
  const { membership, settings } = c
  if (frame.mesh !== settings.mesh) {
    throw new MeshCacheError(ErrorCodes.INVALID_OPTION, `this peer serves mesh ${JSON.stringify(settings.mesh)}, not ${JSON.stringify(frame.mesh)}`)
  }
  const info = frame.members[0]
  const member = info != null && info.peerId === peer ? fromWireMember(info) : undefined
  if (member != null) membership.upsert(member)
  await push(peer)
  return { members: [membership.self, ...membership.members()].map(toWireMember) }
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
