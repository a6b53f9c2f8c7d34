import { topicOf } from '../util/gossip.js'
import { nextTurn } from '../util/next-turn.js'
import { encodeExact } from '../util/wire.js'
import { Invalidation } from './message.js'
import type { NearCache } from './near-cache.js'
import type { Gossip } from '../util/gossip.js'
import type { Item } from './message.js'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export type InvalidationItem = Item

export interface InvalidatorComponents {
  gossip: Gossip
  near: NearCache
  /** libp2p's logger component: the Invalidator logs as `meshcache:invalidation`. */
  logger: ComponentLogger
}

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
  private readonly log: Logger
  private readonly init: InvalidatorInit
  private readonly topic: string
  private readonly lastSeq = new Map<string, { incarnation: bigint, seq: bigint }>()
  private queue: Item[] = []
  private seq = 0n
  private unsubscribe?: () => void
  /** Messages this peer saw go missing (gaps), for status(). */
  gaps = 0

  constructor (components: InvalidatorComponents, init: InvalidatorInit) {
    this.gossip = components.gossip
    this.near = components.near
    this.log = components.logger.forComponent('meshcache:invalidation')
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
      const seq = this.seq
      const data = encodeExact(Invalidation.codec(), { incarnation: BigInt(this.init.incarnation), seq, items })
      this.log.trace('publishing %d invalidation(s), seq %s', items.length, String(seq))
      this.gossip.publish(this.topic, data).catch((err: Error) => {
        // Lost here is lost for everyone: readers see the gap and drop our copies.
        this.log.error('invalidation message seq %s (%d items) was not published: %e', String(seq), items.length, err)
      })
    }
  }

  private onMessage (data: Uint8Array, from: string): void {
    let message: Invalidation
    try {
      message = Invalidation.decode(data, { limits: { items: MAX_ITEMS_PER_MESSAGE } })
    } catch (err) {
      this.log('dropped a malformed invalidation message from %s: %s', from, (err as Error).message)
      return
    }
    if (this.init.admit?.(from, message.items.length) === false) {
      this.log('dropped %d invalidation(s) from %s (seq %s): over its rate', message.items.length, from, String(message.seq))
      return
    }
    this.log.trace('%d invalidation(s) from %s, seq %s', message.items.length, from, String(message.seq))
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
      if (last != null || seq !== 1n) {
        const dropped = this.near.dropOwner(from)
        this.log('first invalidation heard from %s (incarnation %s) is seq %s: dropped the %d near copies it served',
          from, String(incarnation), String(seq), dropped)
      }
    } else if (seq > last.seq + 1n) {
      this.gaps++
      const dropped = this.near.dropOwner(from)
      this.log('invalidation gap from %s: seq %s after %s (%s lost); dropped the %d near copies it served',
        from, String(seq), String(last.seq), String(seq - last.seq - 1n), dropped)
    } else if (seq <= last.seq) {
      this.log.trace('late or repeated invalidation from %s: seq %s, %s seen', from, String(seq), String(last.seq))
      return // a late or repeated message: its items are still applied, the counter is not
    }
    this.lastSeq.set(from, { incarnation, seq })
  }
}
