/**
 * The raw TCP baseline: meshcache's own framing (varint length + protobuf
 * Frame, writes coalesced per event-loop turn) over plain node:net, with a
 * Map as the store. What is left between this and meshcache is libp2p
 * (Noise, yamux) and the cache's own work.
 */
import { createConnection, createServer } from 'node:net'
import { FrameDecoder, encodeFrame } from '../../src/protocol/codec.js'
import { Op } from '../../src/protocol/frame.js'
import type { Frame } from '../../src/protocol/frame.js'
import type { Server, Socket } from 'node:net'

const LIMITS = { maxFrameBytes: 8 * 1024 * 1024, maxItems: 100_000 }

/** Queues encoded frames and writes them as one buffer on the next turn. */
function coalescer (socket: Socket): (frame: Partial<Frame>) => void {
  let queued: Uint8Array[] = []
  return frame => {
    queued.push(encodeFrame(frame))
    if (queued.length > 1) return
    setImmediate(() => {
      const chunk = Buffer.concat(queued)
      queued = []
      socket.write(chunk)
    })
  }
}

export async function startRawServer (): Promise<{ port: number, server: Server }> {
  const store = new Map<string, Uint8Array>()
  const server = createServer(socket => {
    socket.setNoDelay(true)
    const send = coalescer(socket)
    const decoder = new FrameDecoder(LIMITS)
    socket.on('data', chunk => {
      for (const frame of decoder.push(chunk)) {
        if (frame.op === Op.SET) {
          for (const e of frame.entries) store.set(e.key, e.value)
          send({ id: frame.id, op: frame.op, response: true, found: frame.entries.map(() => true) })
        } else {
          const entries = frame.keys.flatMap(key => {
            const value = store.get(key)
            return value == null ? [] : [{ keyspace: frame.keyspace, key, value, version: 0n, expiresAt: 0n, staleAt: 0n }]
          })
          send({ id: frame.id, op: frame.op, response: true, entries })
        }
      }
    })
    socket.on('error', () => { socket.destroy() })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port, server }
}

export interface RawClient {
  get: (key: string) => Promise<Uint8Array | undefined>
  set: (key: string, value: Uint8Array) => Promise<void>
  close: () => void
}

export async function connectRaw (port: number): Promise<RawClient> {
  const socket = createConnection({ port, host: '127.0.0.1' })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  socket.setNoDelay(true)
  const send = coalescer(socket)
  const decoder = new FrameDecoder(LIMITS)
  const pending = new Map<number, (frame: Frame) => void>()
  let nextId = 1
  socket.on('data', chunk => {
    for (const frame of decoder.push(chunk)) {
      pending.get(frame.id)?.(frame)
      pending.delete(frame.id)
    }
  })
  const request = async (frame: Partial<Frame>): Promise<Frame> => new Promise(resolve => {
    const id = nextId++
    pending.set(id, resolve)
    send({ ...frame, id })
  })
  return {
    get: async key => (await request({ op: Op.GET, keyspace: 'default', keys: [key] })).entries[0]?.value,
    set: async (key, value) => {
      await request({ op: Op.SET, entries: [{ keyspace: 'default', key, value, version: 0n, expiresAt: 0n, staleAt: 0n }] })
    },
    close: () => { socket.destroy() }
  }
}
