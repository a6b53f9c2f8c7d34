/**
 * Shared in-memory fakes for the unit tests: a gossip bus connecting several
 * fake peers (with optional message dropping), a libp2p Stream pair built from
 * it-pushable, and a way to wait for real event-loop turns while timers are faked.
 */
import { pushable } from 'it-pushable'
import type { Pushable } from 'it-pushable'
import type { Gossip, GossipHandler } from '../../src/util/gossip.js'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

// Captured before any test can install fake timers.
const realSetImmediate = globalThis.setImmediate

/** Waits `n` real macrotasks (so queued microtasks and nextTurn() flushes run). */
export async function turns (n = 5): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise<void>(resolve => { realSetImmediate(resolve) })
  }
}

// ---------------------------------------------------------------------------
// Gossip

export interface GossipMessage {
  topic: string
  from: string
  data: Uint8Array
}

/**
 * Peers publish to a topic; every other peer subscribed to it receives the
 * message on a later microtask, never the sender itself (as gossipsub).
 */
export class FakeGossipBus {
  /** Every message published, dropped or not, in order. */
  readonly published: GossipMessage[] = []
  /** Return true to drop the message on its way to `to`. */
  drop?: (message: GossipMessage, to: string) => boolean
  private readonly subs = new Map<string, Array<{ peer: string, handler: GossipHandler }>>()

  /** The Gossip interface as peer `peerId` sees it. */
  peer (peerId: string): Gossip {
    return {
      publish: async (topic, data) => {
        const message = { topic, from: peerId, data }
        this.published.push(message)
        const targets = [...(this.subs.get(topic) ?? [])].filter(s => s.peer !== peerId)
        for (const target of targets) {
          if (this.drop?.(message, target.peer) === true) continue
          queueMicrotask(() => {
            // Skip handlers that unsubscribed in the meantime.
            if (this.subs.get(topic)?.includes(target) === true) target.handler(data, peerId, peerId)
          })
        }
      },
      subscribe: (topic, handler) => {
        const sub = { peer: peerId, handler }
        const list = this.subs.get(topic) ?? []
        list.push(sub)
        this.subs.set(topic, list)
        return () => {
          const now = this.subs.get(topic) ?? []
          const at = now.indexOf(sub)
          if (at >= 0) now.splice(at, 1)
        }
      }
    }
  }

  /** Messages published on `topic` (optionally only by `from`). */
  on (topic: string, from?: string): GossipMessage[] {
    return this.published.filter(m => m.topic === topic && (from == null || m.from === from))
  }

  subscribers (topic: string): number {
    return this.subs.get(topic)?.length ?? 0
  }
}

// ---------------------------------------------------------------------------
// Streams

export interface FakeStream {
  /** Cast for code that wants a libp2p Stream. */
  stream: Stream
  /** Every chunk this side wrote through its sink, in order. */
  sent: Uint8Array[]
  /** Puts raw bytes on this side's source, as if the other side had sent them. */
  inject: (bytes: Uint8Array) => void
  /** The error this side was aborted with, if any. */
  aborted?: Error
  closed: boolean
}

/**
 * Two connected ends: what one side's sink consumes arrives on the other's
 * source. abort() resets both directions (the remote read fails); close()
 * ends this side's reading, and the remote's reading once our sink is done.
 */
export function streamPair (): [FakeStream, FakeStream] {
  const inboxA = pushable<Uint8Array>()
  const inboxB = pushable<Uint8Array>()
  const a = makeEnd(inboxA, inboxB)
  const b = makeEnd(inboxB, inboxA)
  return [a, b]
}

function makeEnd (inbox: Pushable<Uint8Array>, remote: Pushable<Uint8Array>): FakeStream {
  const end: FakeStream = {
    stream: undefined as unknown as Stream,
    sent: [],
    inject: bytes => { inbox.push(bytes) },
    closed: false
  }
  const stream = {
    source: inbox,
    sink: async (source: AsyncIterable<Uint8Array | Uint8ArrayList>): Promise<void> => {
      for await (const chunk of source) {
        if (end.aborted != null) return
        const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
        end.sent.push(bytes)
        remote.push(bytes)
      }
      remote.end()
    },
    abort: (err: Error): void => {
      end.aborted = err
      inbox.end()
      remote.end(new Error('stream reset by remote'))
    },
    close: async (): Promise<void> => {
      end.closed = true
      inbox.end()
    }
  }
  end.stream = stream as unknown as Stream
  return end
}
