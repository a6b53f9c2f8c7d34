import { MAX_ITEMS_PER_NOTICE } from '../invalidation/invalidator.js'
import { Op } from '../protocol/frame.js'
import type { Addressed, Invalidator, InvalidationItem } from '../invalidation/invalidator.js'
import type { Entry, Frame } from '../protocol/frame.js'
import type { Logger } from '@libp2p/interface'

/** The slice of the Rpc that invalidations travel on. */
export interface NoticeChannels {
  notifyMany: (shared: Partial<Frame>, each: Array<[peer: string, own: Partial<Frame>]>) => void
  onNotice: (op: Op, handler: (frame: Frame, peer: string) => void) => void
}

const NO_VALUE = new Uint8Array(0)

/**
 * Whom an owner tells: every member (the `invalidate` event is theirs too),
 * and every peer with a channel open to it, which covers any peer it served a
 * copy to, member or not yet.
 */
export function invalidationRecipients (self: string, rpc: { connectedPeers: () => Iterable<string> }, membership: { members: () => Iterable<{ peerId: string }> }): Set<string> {
  const peers = new Set(rpc.connectedPeers())
  for (const member of membership.members()) peers.add(member.peerId)
  peers.delete(self)
  return peers
}

/**
 * Invalidations travel as INVALIDATE notices on the channel each pair of
 * peers already has: one frame per peer and batch, its entries encoded once
 * for all peers, only its epoch and seq per peer.
 */
export function sendInvalidations (rpc: Pick<NoticeChannels, 'notifyMany'>, items: InvalidationItem[], to: Addressed[]): void {
  const entries: Entry[] = items.map(({ keyspace, key, version }) => ({ keyspace, key, version, value: NO_VALUE, expiresAt: 0n, staleAt: 0n }))
  rpc.notifyMany({ op: Op.INVALIDATE, entries }, to.map(({ peer, epoch, seq }) => [peer, { epoch, seq }]))
}

/** Hands the INVALIDATE notices that arrive to the invalidator; an oversized one is dropped (its gap says so). */
export function serveInvalidations (rpc: Pick<NoticeChannels, 'onNotice'>, invalidator: Pick<Invalidator, 'receive'>, log: Logger): void {
  rpc.onNotice(Op.INVALIDATE, (frame, peer) => {
    if (frame.entries.length > MAX_ITEMS_PER_NOTICE) {
      log('dropped an invalidation notice from %s: %d items, over %d', peer, frame.entries.length, MAX_ITEMS_PER_NOTICE)
      return
    }
    invalidator.receive(peer, {
      epoch: frame.epoch,
      seq: frame.seq,
      items: frame.entries.map(({ keyspace, key, version }) => ({ keyspace, key, version }))
    })
  })
}
