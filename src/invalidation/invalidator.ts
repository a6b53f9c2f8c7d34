import { nextTurn } from '../util/next-turn.js'
import type { NearCache } from './near-cache.js'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export interface InvalidationItem {
  keyspace: string
  key: string
  version: bigint
}

/** One batch as one peer receives it: numbered within the sender's numbering (epoch) for that peer. */
export interface InvalidationNotice {
  epoch: bigint
  seq: bigint
  items: InvalidationItem[]
}

/** Where one batch goes, and the number it has there. */
export interface Addressed {
  peer: string
  epoch: bigint
  seq: bigint
}

export interface InvalidatorComponents {
  near: NearCache
  /** Every peer that may hold a copy this peer served: the members, and any peer with a channel open to us. */
  recipients: () => ReadonlySet<string>
  /**
   * Sends `items` to every addressed peer, each with its own number. In order
   * per peer; a batch that cannot go is simply lost: the next one shows the gap.
   */
  send: (items: InvalidationItem[], to: Addressed[]) => void
  /** libp2p's logger component: the Invalidator logs as `meshcache:invalidation`. */
  logger: ComponentLogger
}

export interface InvalidatorInit {
  incarnation: number
  /** Called once per item that this peer hears of, after the near cache dropped it. */
  onInvalidate?: (item: InvalidationItem, owner: string) => void
  /**
   * Rate limit per owner: false drops the batch (the owner is over its
   * rate). Safe, as with a lost batch: its next one shows a gap and every
   * copy it served is dropped.
   */
  admit?: (owner: string, items: number) => boolean
}

/** Caps one batch; the rest goes in the next one. */
export const MAX_ITEMS_PER_NOTICE = 512

interface Numbering {
  epoch: bigint
  seq: bigint
}

/**
 * Owners tell every peer what they changed, over the channel they already
 * have with it; every peer drops older near copies. Items written during one
 * event-loop turn leave as one batch. An owner numbers the batches it sends
 * to each peer: a gap means one was lost, and since we cannot know which keys
 * it named, every copy that owner served is dropped. A peer skipped by a
 * batch (not a recipient at that moment) gets a new numbering (epoch) next
 * time, and a new epoch from a known owner drops its copies too.
 */
export class Invalidator {
  private readonly components: InvalidatorComponents
  private readonly near: NearCache
  private readonly log: Logger
  private readonly init: InvalidatorInit
  /** What we heard last from each owner. */
  private readonly heard = new Map<string, Numbering>()
  /** What we sent last to each peer. */
  private readonly sent = new Map<string, Numbering>()
  private queue: InvalidationItem[] = []
  private nextEpoch: bigint
  private running = false
  /** Batches this peer saw go missing (gaps), for status(). */
  gaps = 0

  constructor (components: InvalidatorComponents, init: InvalidatorInit) {
    this.components = components
    this.near = components.near
    this.log = components.logger.forComponent('meshcache:invalidation')
    this.init = init
    // A restarted owner must not reuse an epoch a peer still remembers from its previous run.
    this.nextEpoch = BigInt(init.incarnation) * 1024n
  }

  start (): void {
    this.running = true
  }

  stop (): void {
    this.flush()
    this.running = false
    this.heard.clear()
    this.sent.clear()
  }

  /** Queues an invalidation of a write this owner applied. */
  publish (item: InvalidationItem): void {
    this.queue.push(item)
    if (this.queue.length === 1) nextTurn(() => { this.flush() })
    // A turn that writes without pause (a bulk setMany) would otherwise queue every item until it ends.
    else if (this.queue.length >= MAX_ITEMS_PER_NOTICE) this.flush()
  }

  /** Forgets a peer that left: its numbering both ways, so its next incarnation starts clean. */
  forget (peer: string): void {
    this.heard.delete(peer)
    this.sent.delete(peer)
  }

  /** A batch from `owner` (the authenticated peer that sent it). */
  receive (owner: string, notice: InvalidationNotice): void {
    if (!this.running) return
    if (this.init.admit?.(owner, notice.items.length) === false) {
      this.log('dropped %d invalidation(s) from %s (seq %s): over its rate', notice.items.length, owner, String(notice.seq))
      return
    }
    this.log.trace('%d invalidation(s) from %s, epoch %s seq %s', notice.items.length, owner, String(notice.epoch), String(notice.seq))
    this.checkSequence(owner, notice)
    for (const item of notice.items) {
      this.near.invalidate(item.keyspace, item.key, item.version)
      this.init.onInvalidate?.(item, owner)
    }
  }

  private flush (): void {
    if (this.queue.length === 0 || !this.running) {
      this.queue = []
      return
    }
    const recipients = this.components.recipients()
    // A peer left out of a batch must not take the next one as unbroken.
    for (const peer of this.sent.keys()) {
      if (!recipients.has(peer)) this.sent.delete(peer)
    }
    while (this.queue.length > 0) {
      const items = this.queue.splice(0, MAX_ITEMS_PER_NOTICE)
      const to: Addressed[] = []
      for (const peer of recipients) {
        let numbering = this.sent.get(peer)
        if (numbering == null) {
          numbering = { epoch: this.nextEpoch++, seq: 0n }
          this.sent.set(peer, numbering)
        }
        numbering.seq++
        to.push({ peer, epoch: numbering.epoch, seq: numbering.seq })
      }
      this.log.trace('sending %d invalidation(s) to %d peer(s)', items.length, to.length)
      if (to.length > 0) this.components.send(items, to)
    }
  }

  private checkSequence (owner: string, { epoch, seq }: InvalidationNotice): void {
    const last = this.heard.get(owner)
    if (last == null || last.epoch !== epoch) {
      // A numbering we have not heard before: what came before it, or between the two, is unknown.
      if (last != null || seq !== 1n) {
        const dropped = this.near.dropOwner(owner)
        this.log('invalidations from %s start a new numbering at seq %s: dropped the %d near copies it served',
          owner, String(seq), dropped)
      }
    } else if (seq > last.seq + 1n) {
      this.gaps++
      const dropped = this.near.dropOwner(owner)
      this.log('invalidation gap from %s: seq %s after %s (%s lost); dropped the %d near copies it served',
        owner, String(seq), String(last.seq), String(seq - last.seq - 1n), dropped)
    } else if (seq <= last.seq) {
      this.log.trace('late or repeated invalidation from %s: seq %s, %s seen', owner, String(seq), String(last.seq))
      return // a late or repeated batch: its items are still applied, the counter is not
    }
    this.heard.set(owner, { epoch, seq })
  }
}
