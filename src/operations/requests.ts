import { Frame } from '../protocol/frame.js'
import { Batches } from './batch.js'
import type { Requests } from './components.js'
import type { Op } from '../protocol/frame.js'
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

  constructor ({ self, rpc }: MeshRequestsComponents) {
    this.self = self
    this.rpc = rpc
    this.batches = new Batches(async (peer, frame) => rpc.request(peer, frame))
  }

  /** The op → handler table (handlers.ts) that answers this peer's requests to itself. */
  serveLocally (handlers: Map<Op, OpHandler>): void {
    this.handlers = handlers
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
