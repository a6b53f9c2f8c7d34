import { Op } from '../protocol/frame.js'
import { handleDelete } from './delete.js'
import { handleExpire } from './expire.js'
import { handlePing } from './ping.js'
import type { ApplyComponents } from './apply.js'
import type { GetOperation } from './get.js'
import type { ReadThroughOperation } from './get-or-load.js'
import type { KeyspaceOperations } from './keyspaces.js'
import type { SetOperation } from './set.js'
import type { OpHandler } from '../protocol/rpc.js'

/** The operations whose owner side answers requests. */
export interface Operations {
  get: GetOperation
  set: SetOperation
  readThrough: ReadThroughOperation
  keyspaces: KeyspaceOperations
  /** What the delete and expire handlers write through. */
  apply: ApplyComponents
}

/** The op → handler table of the operations (rebalance/ adds JOIN, HANDOFF and LEAVE). */
export function operationHandlers (ops: Operations): Array<[Op, OpHandler]> {
  return [
    [Op.GET, async frame => ops.get.handle(frame)],
    [Op.SET, async frame => ops.set.handle(frame)],
    [Op.DELETE, async frame => handleDelete(ops.apply, frame)],
    [Op.EXPIRE, async frame => handleExpire(ops.apply, frame)],
    [Op.LEASE, async (frame, peer) => ops.readThrough.handleLease(frame, peer)],
    [Op.FILL, async (frame, peer) => ops.readThrough.handleFill(frame, peer)],
    [Op.KEYSPACES, async () => ops.keyspaces.handleList()],
    [Op.DROP_KEYSPACE, async frame => ops.keyspaces.handleDrop(frame)],
    [Op.PING, async () => handlePing()]
  ]
}

/**
 * One table from handler lists; `served` hears of every request before it is
 * handled (a request proves its sender alive, as a heartbeat does).
 */
export function handlerTable (lists: Array<Array<[Op, OpHandler]>>, served: (peer: string) => void): Map<Op, OpHandler> {
  const table = new Map<Op, OpHandler>()
  for (const [op, handler] of lists.flat()) {
    table.set(op, async (frame, peer) => {
      served(peer)
      return handler(frame, peer)
    })
  }
  return table
}
