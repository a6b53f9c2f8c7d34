/**
 * A fake of what invalidations travel on: every peer that joins the net is,
 * by default, a recipient of every other. Notices arrive a microtask after
 * they are sent, in order per peer; `drop` loses chosen ones, and `sent`
 * keeps every notice for assertions.
 */
import { defaultLogger } from '@libp2p/logger'
import { Invalidator } from '../../../src/invalidation/invalidator.js'
import { NearCache } from '../../../src/invalidation/near-cache.js'
import type { InvalidationItem, InvalidationNotice, InvalidatorInit } from '../../../src/invalidation/invalidator.js'

export interface Sent extends InvalidationNotice { from: string, to: string }

export interface NetPeer {
  id: string
  near: NearCache
  inv: Invalidator
  heard: Array<{ item: InvalidationItem, owner: string }>
}

export class FakeInvalidationNet {
  readonly sent: Sent[] = []
  private readonly peers = new Map<string, NetPeer>()
  /** Who each peer sends to; absent = every other peer on the net. */
  readonly recipientsOf = new Map<string, string[]>()
  drop: (notice: Sent) => boolean = () => false

  peer (id: string, init: Partial<InvalidatorInit> = {}, near = new NearCache({ maxEntries: 1000, maxStalenessMs: 60_000 })): NetPeer {
    const heard: NetPeer['heard'] = []
    const inv = new Invalidator({
      near,
      logger: defaultLogger(),
      recipients: () => new Set(this.recipientsOf.get(id) ?? [...this.peers.keys()].filter(p => p !== id)),
      send: (items, to) => {
        for (const { peer, epoch, seq } of to) {
          const notice: Sent = { from: id, to: peer, epoch, seq, items }
          this.sent.push(notice)
          if (!this.drop(notice)) queueMicrotask(() => { this.peers.get(peer)?.inv.receive(id, notice) })
        }
      }
    }, {
      incarnation: 1,
      onInvalidate: (item, owner) => { heard.push({ item, owner }) },
      ...init
    })
    inv.start()
    const peer = { id, near, inv, heard }
    this.peers.set(id, peer)
    return peer
  }

  /** Notices from `from` (to `to`, when given). */
  from (from: string, to?: string): Sent[] {
    return this.sent.filter(s => s.from === from && (to == null || s.to === to))
  }
}
