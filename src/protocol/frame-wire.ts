/** What frame-encode.ts and frame-decode.ts share: frame.proto's ops as numbers, wire types, the error. */
import { ErrorCodes, MeshCacheError } from '../errors.js'
import { Op } from './frame.js'

/** Bounds on the repeated fields of one frame (FrameLimits.maxItems). */
export interface DecodeLimits {
  maxItems: number
}

/** A frame that cannot be read, or written (an op frame.proto does not have): ERR_MALFORMED_FRAME. */
export class FrameFormatError extends MeshCacheError {
  constructor (message: string) {
    super(ErrorCodes.MALFORMED_FRAME, message)
  }
}

export const OPS: Op[] = [Op.NONE, Op.GET, Op.SET, Op.DELETE, Op.EXPIRE, Op.LEASE, Op.FILL, Op.JOIN, Op.HANDOFF, Op.LEAVE, Op.KEYSPACES, Op.DROP_KEYSPACE, Op.PING, Op.INVALIDATE]
export const OP_NUMBER = new Map<Op, number>(OPS.map((op, i) => [op, i]))

export const VARINT = 0
export const FIXED64 = 1
export const DELIMITED = 2
export const FIXED32 = 5
