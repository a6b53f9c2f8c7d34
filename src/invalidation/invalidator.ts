import { topicOf } from '../util/gossip.js'
import { nextTurn } from '../util/next-turn.js'
import { encodeExact } from '../util/wire.js'
import { Invalidation } from './message.js'
import type { NearCache } from './near-cache.js'
import type { Gossip } from '../util/gossip.js'
import type { Item } from './message.js'

export type InvalidationItem = Item

export interface InvalidatorInit {
  mesh: string
  incarnation: number
  /** Called once per item that this peer hears of, after the near cache dropped it. */
  onInvalidate?: (item: InvalidationItem, owner: string) => void
  /**
   * Rate limit per owner: false drops the message (the owner is over its
   * rate). Safe, as with a lost message: its next one shows a gap and every
   * copy it served is dropped.
   */
  admit?: (owner: string, items: number) => boolean
}

/** Caps one gossip message; the rest of a batch goes in the next one. */
const MAX_ITEMS_PER_MESSAGE = 512

/**
 * Owners publish what they changed; every peer drops older near copies.
 * Items written during one event-loop turn leave as one message. Each owner
 * numbers its messages: a gap means one was lost, and since we cannot know
 * which keys it named, every copy that owner served is dropped.
 */
export class Invalidator {
  private readonly gossip: Gossip
  private readonly near: NearCache
  private readonly init: InvalidatorInit
  private readonly topic: string
  private readonly lastSeq = new Map<string, { incarnation: bigint, seq: bigint }>()
  private queue: Item[] = []
  private seq = 0n
  private unsubscribe?: () => void
  /** Messages this peer saw go missing (gaps), for status(). */
  gaps = 0

  constructor (components: { gossip: Gossip, near: NearCache }, init: InvalidatorInit) {
    this.gossip = components.gossip
    this.near = components.near
    this.init = init
    this.topic = topicOf(init.mesh, 'inval/1')
  }

  start (): void {
    this.unsubscribe = this.gossip.subscribe(this.topic, (data, from) => { this.onMessage(data, from) })
  }

  stop (): void {
    this.flush()
    this.unsubscribe?.()
    this.lastSeq.clear()
  }

  /** Queues an invalidation of a write this owner applied. */
  publish (item: Item): void {
    this.queue.push(item)
    if (this.queue.length === 1) nextTurn(() => { this.flush() })
  }

  /** Forgets an owner's numbering (it left), so its next incarnation starts clean. */
  forget (owner: string): void {
    this.lastSeq.delete(owner)
  }

  private flush (): void {
    while (this.queue.length > 0) {
      const items = this.queue.splice(0, MAX_ITEMS_PER_MESSAGE)
      this.seq++
      // encodeExact: protons 5.6 garbles uint64 values in [2^31, 2^32) (see codec.ts).
      const data = encodeExact(Invalidation.codec(), { incarnation: BigInt(this.init.incarnation), seq: this.seq, items })
      this.gossip.publish(this.topic, data).catch(() => {
        // Lost here is lost for everyone: readers see the gap and drop our copies.
      })
    }
  }

  private onMessage (data: Uint8Array, from: string): void {
    let message: Invalidation
    try {
      message = Invalidation.decode(data, { limits: { items: MAX_ITEMS_PER_MESSAGE } })
    } catch {
      return
    }
    if (this.init.admit?.(from, message.items.length) === false) return
    this.checkSequence(from, message)
    for (const item of message.items) {
      this.near.invalidate(item.keyspace, item.key, item.version)
      this.init.onInvalidate?.(item, from)
    }
  }

  private checkSequence (from: string, { incarnation, seq }: Invalidation): void {
    const last = this.lastSeq.get(from)
    if (last == null || last.incarnation !== incarnation) {
      // First message we hear from this owner (incarnation): anything before it is unknown.
      if (last != null || seq !== 1n) this.near.dropOwner(from)
    } else if (seq > last.seq + 1n) {
      this.gaps++
      this.near.dropOwner(from)
    } else if (seq <= last.seq) {
      return // a late or repeated message: its items are still applied, the counter is not
    }
    this.lastSeq.set(from, { incarnation, seq })
  }
}
