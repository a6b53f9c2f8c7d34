import { Op } from '../protocol/frame.js'
import { nextTurn } from '../util/next-turn.js'
import type { Entry, Frame } from '../protocol/frame.js'

/** A batch leaves early once it holds this much, well under the receiver's frame bound. */
export const MAX_COALESCED_BYTES = 256 * 1024
/**
 * A batch leaves early once it holds this many keys or entries, and on the
 * wire at once. With 64 callers a batch per turn ping-pongs: the owner waits
 * while the asker handles the answer, then the other way round. Smaller
 * batches keep both ends busy, one being answered while the next is built:
 * at 64 in flight (bench suite 1, two runs each), 16 gave 100 B sets
 * 98-104k/s against 85-89k at 32 and 80k at 8, 1 KiB gets 93-96k against
 * 58-66k at 32.
 */
export const MAX_COALESCED_ITEMS = 16

/** A miss its owner says is not final: its view is settling (Frame.settling). */
export const UNSETTLED = Symbol('unsettled miss')

/** `now`: the frame is a full batch, to be written at once rather than at the turn's end. */
export type Send = (peer: string, frame: Partial<Frame>, now: boolean) => Promise<Frame>

interface Waiter {
  /** Where this caller's keys or entries start in the batch, and how many. */
  start: number
  count: number
  resolve: (reply: Frame) => void
  reject: (err: unknown) => void
}

/** A single-key read or write, the common case: it wants the entry (GET) or the flag (SET), not a frame. */
interface OneWaiter<T> {
  index: number
  resolve: (answer: T) => void
  reject: (err: unknown) => void
}

interface Batch {
  /** Its key in Batches.open. */
  id: string
  peer: string
  frame: { op: Op, keyspace: string, keys: string[], entries: Entry[], view: string }
  bytes: number
  waiters: Waiter[]
  gets: Array<OneWaiter<Entry | undefined | typeof UNSETTLED>>
  sets: Array<OneWaiter<boolean>>
}

/**
 * GET and SET requests to one peer made during the same event-loop turn leave
 * as one frame. With 64 callers in flight, the peer then decodes one frame,
 * runs one handler and answers once for the lot instead of 64 times
 * (bench/remote.ts measures the difference). Each caller gets back the slice
 * of the answer that belongs to it, or the batch's error.
 */
export class Batches {
  // Its methods return their answer's promise itself, not from an async
  // function: that would wrap it in one more promise, two more microtask
  // turns per key.
  private readonly send: Send
  private readonly open = new Map<string, Batch>()
  private last?: Batch

  constructor (send: Send) {
    this.send = send
  }

  static batches (frame: Partial<Frame>): boolean {
    if (frame.forwarded === true) return false
    return (frame.op === Op.GET && frame.keyspace !== undefined && frame.keys !== undefined) ||
      (frame.op === Op.SET && frame.entries !== undefined)
  }

  /** Queues a GET (keys of one keyspace) or SET (entries) frame; resolves with this caller's part of the answer. */
  request (peer: string, frame: Partial<Frame>): Promise<Frame> {
    const isGet = frame.op === Op.GET
    const batch = isGet ? this.batch(peer, Op.GET, frame.keyspace!, '') : this.batch(peer, Op.SET, '', frame.view ?? '')
    const items: Array<string | Entry> = isGet ? frame.keys! : frame.entries!
    const start = isGet ? batch.frame.keys.length : batch.frame.entries.length
    if (isGet) batch.frame.keys.push(...frame.keys!)
    else batch.frame.entries.push(...frame.entries!)
    for (const item of items) batch.bytes += typeof item === 'string' ? item.length * 3 : item.value.byteLength + item.key.length * 3
    const answer = new Promise<Frame>((resolve, reject) => {
      batch.waiters.push({ start, count: items.length, resolve, reject })
    })
    this.flushIfFull(batch, start + items.length)
    return answer
  }

  /** One key's entry from the peer (undefined: it has none live; UNSETTLED: nor may it be the last word), in the turn's GET batch. */
  getOne (peer: string, keyspace: string, key: string): Promise<Entry | undefined | typeof UNSETTLED> {
    const batch = this.batch(peer, Op.GET, keyspace, '')
    const index = batch.frame.keys.push(key) - 1
    batch.bytes += key.length * 3
    const answer = new Promise<Entry | undefined | typeof UNSETTLED>((resolve, reject) => {
      batch.gets.push({ index, resolve, reject })
    })
    this.flushIfFull(batch, index + 1)
    return answer
  }

  /** One entry to the peer, in the turn's SET batch for `view`; resolves with whether the peer stored it. */
  setOne (peer: string, entry: Entry, view: string): Promise<boolean> {
    const batch = this.batch(peer, Op.SET, '', view)
    const index = batch.frame.entries.push(entry) - 1
    batch.bytes += entry.value.byteLength + entry.key.length * 3
    const answer = new Promise<boolean>((resolve, reject) => {
      batch.sets.push({ index, resolve, reject })
    })
    this.flushIfFull(batch, index + 1)
    return answer
  }

  private batch (peer: string, op: Op, keyspace: string, view: string): Batch {
    // Most calls of a turn go to the batch the one before went to.
    const last = this.last
    if (last != null && last.peer === peer && last.frame.op === op && last.frame.keyspace === keyspace && last.frame.view === view && this.open.get(last.id) === last) return last
    const id = op === Op.GET ? `G${peer}\0${keyspace}` : `S${peer}\0${view}`
    let batch = this.open.get(id)
    if (batch == null) {
      batch = { id, peer, frame: { op, keyspace, keys: [], entries: [], view }, bytes: 0, waiters: [], gets: [], sets: [] }
      this.open.set(id, batch)
      const queued = batch
      nextTurn(() => { this.flush(queued, false) })
    }
    this.last = batch
    return batch
  }

  private flushIfFull (batch: Batch, items: number): void {
    if (batch.bytes >= MAX_COALESCED_BYTES || items >= MAX_COALESCED_ITEMS) this.flush(batch, true)
  }

  private flush (batch: Batch, now: boolean): void {
    if (this.open.get(batch.id) !== batch) return // already sent when it filled up
    this.open.delete(batch.id)
    const { frame } = batch
    const answer = frame.op === Op.GET
      ? inParts(frame.keys, async keys => this.send(batch.peer, { op: Op.GET, keyspace: frame.keyspace, keys }, now))
      : this.send(batch.peer, { op: frame.op, entries: frame.entries, view: frame.view }, now)
    answer.then(reply => { answerBatch(batch, reply) }, (err: unknown) => {
      for (const w of [...batch.waiters, ...batch.gets, ...batch.sets]) w.reject(err)
    })
  }
}

/** Hands each waiter its part of the reply. */
function answerBatch ({ frame, waiters, gets, sets }: Batch, reply: Frame): void {
  if (frame.op === Op.SET) {
    for (const w of sets) w.resolve(reply.found[w.index] === true)
    for (const w of waiters) w.resolve({ ...reply, found: reply.found.slice(w.start, w.start + w.count) })
    return
  }
  const entries = entriesByIndex(frame.keys, reply)
  const miss = reply.settling ? UNSETTLED : undefined
  for (const w of gets) w.resolve(entries[w.index] ?? miss)
  for (const w of waiters) {
    const mine: Entry[] = []
    for (let i = w.start; i < w.start + w.count; i++) {
      const entry = entries[i]
      if (entry != null) mine.push(entry)
    }
    w.resolve({ ...reply, entries: mine, found: reply.found.slice(w.start, w.start + w.count) })
  }
}

/**
 * Each asked key's entry: an owner answers the live ones in the order it was
 * asked (get.ts handle), so one walk pairs them with their keys — a key asked
 * twice has its entry twice.
 */
function entriesByIndex (keys: string[], reply: Frame): Array<Entry | undefined> {
  const out = new Array<Entry | undefined>(keys.length)
  let next = 0
  for (let i = 0; i < keys.length && next < reply.entries.length; i++) {
    if (reply.entries[next].key === keys[i]) out[i] = reply.entries[next++]
  }
  return out
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
