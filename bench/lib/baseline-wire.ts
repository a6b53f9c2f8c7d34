/**
 * What the remote suite's baselines speak: the least a get/set protocol
 * needs, with nothing of meshcache's. A request is
 *   u32 length | u32 id | u8 op | u16 key bytes | key | value (SET only),
 * an answer is
 *   u32 length | u32 id | u8 found | value (GET hit only),
 * the length counting what follows it. Both ends queue what they write
 * during one event-loop turn and send it as one chunk, as meshcache's
 * channel does. The same code runs over node:net (raw-tcp.ts) and a bare
 * libp2p stream (bare-libp2p.ts), so the two differ only in their transport.
 */
export const OP_GET = 1
export const OP_SET = 2

const LENGTH_BYTES = 4
const REQUEST_HEADER = 4 + 1 + 2
const ANSWER_HEADER = 4 + 1

/**
 * Splits a byte stream into frames (without their length prefix). A frame
 * that arrives in pieces is copied once, into a buffer of its full size;
 * whole frames within a chunk are views of it.
 */
export class FrameReader {
  /** A frame being filled, and how much of it has arrived. */
  private partial?: Buffer
  private filled = 0
  /** Fewer than 4 bytes of a length prefix. */
  private header: Buffer

  constructor () {
    this.header = Buffer.alloc(0)
  }

  * push (chunk: Buffer): Generator<Buffer> {
    let data = chunk
    if (this.partial != null) {
      const take = Math.min(this.partial.byteLength - this.filled, data.byteLength)
      data.copy(this.partial, this.filled, 0, take)
      this.filled += take
      data = data.subarray(take)
      if (this.filled < this.partial.byteLength) return
      const frame = this.partial
      this.partial = undefined
      yield frame
    }
    if (this.header.byteLength > 0) {
      data = Buffer.concat([this.header, data])
      this.header = Buffer.alloc(0)
    }
    let offset = 0
    while (data.byteLength - offset >= LENGTH_BYTES) {
      const length = data.readUInt32BE(offset)
      const available = data.byteLength - offset - LENGTH_BYTES
      if (available < length) {
        this.partial = Buffer.allocUnsafe(length)
        data.copy(this.partial, 0, offset + LENGTH_BYTES)
        this.filled = available
        return
      }
      yield data.subarray(offset + LENGTH_BYTES, offset + LENGTH_BYTES + length)
      offset += LENGTH_BYTES + length
    }
    if (offset < data.byteLength) this.header = Buffer.from(data.subarray(offset))
  }
}

/** Queues buffers and hands them to `write` as one chunk on the next turn. */
export function coalescer (write: (chunk: Buffer) => void): (bytes: Buffer) => void {
  let queued: Buffer[] = []
  return bytes => {
    queued.push(bytes)
    if (queued.length > 1) return
    setImmediate(() => {
      const chunk = queued.length === 1 ? queued[0] : Buffer.concat(queued)
      queued = []
      write(chunk)
    })
  }
}

export function encodeRequest (id: number, op: number, key: string, value?: Uint8Array): Buffer {
  const keyBytes = Buffer.byteLength(key, 'latin1')
  const valueBytes = value?.byteLength ?? 0
  const out = Buffer.allocUnsafe(LENGTH_BYTES + REQUEST_HEADER + keyBytes + valueBytes)
  out.writeUInt32BE(REQUEST_HEADER + keyBytes + valueBytes, 0)
  out.writeUInt32BE(id, 4)
  out[8] = op
  out.writeUInt16BE(keyBytes, 9)
  out.write(key, 11, 'latin1')
  if (value != null) out.set(value, 11 + keyBytes)
  return out
}

function encodeAnswer (id: number, value?: Uint8Array): Buffer {
  const valueBytes = value?.byteLength ?? 0
  const out = Buffer.allocUnsafe(LENGTH_BYTES + ANSWER_HEADER + valueBytes)
  out.writeUInt32BE(ANSWER_HEADER + valueBytes, 0)
  out.writeUInt32BE(id, 4)
  out[8] = value != null ? 1 : 0
  if (value != null) out.set(value, 9)
  return out
}

/** A server's side of one connection: frames in, answers out, a Map as the store. */
export function serveFrames (store: Map<string, Uint8Array>, send: (bytes: Buffer) => void): (frame: Buffer) => void {
  return frame => {
    const id = frame.readUInt32BE(0)
    const keyBytes = frame.readUInt16BE(5)
    const key = frame.toString('latin1', 7, 7 + keyBytes)
    if (frame[4] === OP_SET) {
      // Copied: the frame is a view of a chunk the transport hands over.
      store.set(key, Uint8Array.prototype.slice.call(frame, 7 + keyBytes))
      send(encodeAnswer(id))
    } else {
      send(encodeAnswer(id, store.get(key)))
    }
  }
}

export interface BaselineClient {
  get: (key: string) => Promise<Uint8Array | undefined>
  set: (key: string, value: Uint8Array) => Promise<void>
}

/** A client over any byte pipe: `send` writes, and the returned function takes each answer frame. */
export function clientOf (send: (bytes: Buffer) => void): { client: BaselineClient, onFrame: (frame: Buffer) => void } {
  const pending = new Map<number, (answer: Uint8Array | undefined) => void>()
  let nextId = 1
  const request = async (op: number, key: string, value?: Uint8Array): Promise<Uint8Array | undefined> => new Promise(resolve => {
    const id = nextId
    nextId = nextId >= 0xffffffff ? 1 : nextId + 1
    pending.set(id, resolve)
    send(encodeRequest(id, op, key, value))
  })
  return {
    client: {
      get: async key => request(OP_GET, key),
      set: async (key, value) => { await request(OP_SET, key, value) }
    },
    onFrame: frame => {
      const id = frame.readUInt32BE(0)
      const resolve = pending.get(id)
      pending.delete(id)
      resolve?.(frame[4] === 1 ? frame.subarray(5) : undefined)
    }
  }
}
