import { Op } from '../protocol/frame.js'
import { nextTurn } from '../util/next-turn.js'
import type { Entry, Frame } from '../protocol/frame.js'

/** A batch leaves early once it holds this much, well under the receiver's frame bound. */
export const MAX_COALESCED_BYTES = 256 * 1024
export const MAX_COALESCED_ITEMS = 1024

type Send = (peer: string, frame: Partial<Frame>) => Promise<Frame>

interface Waiter {
  /** Where this caller's keys or entries start in the batch, and how many. */
  start: number
  count: number
  resolve: (reply: Frame) => void
  reject: (err: unknown) => void
}

interface Batch {
  peer: string
  frame: { op: Op, keyspace: string, keys: string[], entries: Entry[], view: string }
  bytes: number
  waiters: Waiter[]
}

/**
 * GET and SET requests to one peer made during the same event-loop turn leave
 * as one frame. With 64 callers in flight, the peer then decodes one frame,
 * runs one handler and answers once for the lot instead of 64 times
 * (bench/remote.ts measures the difference). Each caller gets back the slice
 * of the answer that belongs to it, or the batch's error.
 */
export class Batches {
  private readonly send: Send
  private readonly open = new Map<string, Batch>()

  constructor (send: Send) {
    this.send = send
  }

  static batches (frame: Partial<Frame>): boolean {
    if (frame.forwarded === true) return false
    return (frame.op === Op.GET && frame.keyspace !== undefined && frame.keys !== undefined) ||
      (frame.op === Op.SET && frame.entries !== undefined)
  }

  /** Queues a GET (keys of one keyspace) or SET (entries) frame; resolves with this caller's part of the answer. */
  async request (peer: string, frame: Partial<Frame>): Promise<Frame> {
    const isGet = frame.op === Op.GET
    const keyspace = isGet ? frame.keyspace! : ''
    const view = frame.view ?? ''
    const id = `${frame.op!}\0${peer}\0${keyspace}\0${view}`
    let batch = this.open.get(id)
    if (batch == null) {
      batch = { peer, frame: { op: frame.op!, keyspace, keys: [], entries: [], view }, bytes: 0, waiters: [] }
      this.open.set(id, batch)
      const queued = batch
      nextTurn(() => { this.flush(id, queued) })
    }
    const items: Array<string | Entry> = isGet ? frame.keys! : frame.entries!
    const start = isGet ? batch.frame.keys.length : batch.frame.entries.length
    if (isGet) batch.frame.keys.push(...frame.keys!)
    else batch.frame.entries.push(...frame.entries!)
    for (const item of items) batch.bytes += typeof item === 'string' ? item.length * 3 : item.value.byteLength + item.key.length * 3
    const answer = new Promise<Frame>((resolve, reject) => {
      batch.waiters.push({ start, count: items.length, resolve, reject })
    })
    if (batch.bytes >= MAX_COALESCED_BYTES || start + items.length >= MAX_COALESCED_ITEMS) this.flush(id, batch)
    return answer
  }

  private flush (id: string, batch: Batch): void {
    if (this.open.get(id) !== batch) return // already sent when it filled up
    this.open.delete(id)
    const { frame, waiters } = batch
    const answer = frame.op === Op.GET
      ? inParts(frame.keys, async keys => this.send(batch.peer, { op: Op.GET, keyspace: frame.keyspace, keys }))
      : this.send(batch.peer, { op: frame.op, entries: frame.entries, view: frame.view })
    answer.then(reply => {
      if (frame.op === Op.SET) {
        for (const w of waiters) w.resolve({ ...reply, found: reply.found.slice(w.start, w.start + w.count) })
        return
      }
      const byKey = new Map(reply.entries.map(entry => [entry.key, entry]))
      for (const w of waiters) {
        const entries: Entry[] = []
        for (let i = w.start; i < w.start + w.count; i++) {
          const entry = byKey.get(frame.keys[i])
          if (entry != null) entries.push(entry)
        }
        w.resolve({ ...reply, entries, found: reply.found.slice(w.start, w.start + w.count) })
      }
    }, (err: unknown) => {
      for (const w of waiters) w.reject(err)
    })
  }
}

/**
 * A GET answered in full: an owner answers a batch of large values in parts
 * (handleGet), found.length saying where it stopped; ask on from there.
 */
export async function inParts (keys: string[], ask: (keys: string[]) => Promise<Frame>): Promise<Frame> {
  const reply = await ask(keys)
  while (reply.found.length < keys.length) {
    const more = await ask(keys.slice(reply.found.length))
    if (more.found.length === 0) break // answers nothing: asking again would not end
    reply.entries.push(...more.entries)
    reply.found.push(...more.found)
  }
  return reply
}
