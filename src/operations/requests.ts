import { Frame, Op } from '../protocol/frame.js'
import { Batches, UNSETTLED } from './batch.js'
import type { Requests } from './components.js'
import type { Entry } from '../protocol/frame.js'
import type { OpHandler, Rpc } from '../protocol/rpc.js'

export interface MeshRequestsComponents {
  self: string
  rpc: Pick<Rpc, 'request'>
}

const EMPTY: Frame = Frame.decode(new Uint8Array(0))

/**
 * Sends a request to a peer, or runs the handler in place when the peer is
 * this one: writes and reads treat the local owner like any other. GETs and
 * SETs to one peer within a turn leave as one frame (batch.ts).
 */
export class MeshRequests implements Requests {
  private readonly self: string
  private readonly rpc: Pick<Rpc, 'request'>
  private readonly batches: Batches
  private handlers = new Map<Op, OpHandler>()
  /** getOne and setOne to this peer itself: plain calls to its own handlers. */
  private readonly here: Requests = withSingles(async (peer, frame, timeoutMs) => this.call(peer, frame, timeoutMs))

  constructor ({ self, rpc }: MeshRequestsComponents) {
    this.self = self
    this.rpc = rpc
    this.batches = new Batches(async (peer, frame, now) => rpc.request(peer, frame, undefined, now))
  }

  /** The op → handler table (handlers.ts) that answers this peer's requests to itself. */
  serveLocally (handlers: Map<Op, OpHandler>): void {
    this.handlers = handlers
  }

  /** One key's live entry at the peer, in the turn's GET batch to it. */
  getOne (peer: string, keyspace: string, key: string): Promise<Entry | undefined | typeof UNSETTLED> {
    // Not async: the batch's promise is handed on as it is, without another around it.
    return peer !== this.self ? this.batches.getOne(peer, keyspace, key) : this.here.getOne(peer, keyspace, key)
  }

  /** One entry to the peer, in the turn's SET batch for `view`; resolves with whether it was stored. */
  setOne (peer: string, entry: Entry, view: string): Promise<boolean> {
    return peer !== this.self ? this.batches.setOne(peer, entry, view) : this.here.setOne(peer, entry, view)
  }

  async call (peer: string, frame: Partial<Frame>, timeoutMs?: number): Promise<Frame> {
    if (peer !== this.self) {
      return timeoutMs === undefined && Batches.batches(frame) ? this.batches.request(peer, frame) : this.rpc.request(peer, frame, timeoutMs)
    }
    const handler = this.handlers.get(frame.op ?? EMPTY.op)
    if (handler == null) throw new Error(`no local handler for ${String(frame.op)}`)
    return { ...EMPTY, ...(await handler({ ...EMPTY, ...frame }, this.self)), response: true }
  }
}

/** getOne and setOne as plain calls, for a Requests that batches nothing itself (tests' fakes). */
export function withSingles (call: Requests['call']): Requests {
  return {
    call,
    getOne: async (peer, keyspace, key) => oneEntry(await call(peer, { op: Op.GET, keyspace, keys: [key] })),
    setOne: async (peer, entry, view) => (await call(peer, { op: Op.SET, view, entries: [entry] })).found[0] === true
  }
}

/** A one-key GET answer as getOne gives it. */
function oneEntry (reply: Frame): Entry | undefined | typeof UNSETTLED {
  return reply.entries[0] ?? (reply.settling ? UNSETTLED : undefined)
}
