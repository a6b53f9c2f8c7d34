/**
 * The limit: the least get/set protocol (baseline-wire.ts) over plain
 * node:net, a Map as the store, writes coalesced per turn. What a Node
 * program can do between two processes here, with no encryption, no
 * multiplexing and no cache around it.
 */
import { createConnection, createServer } from 'node:net'
import { FrameReader, clientOf, serveFrames } from './baseline-wire.js'
import type { BaselineClient } from './baseline-wire.js'
import type { Server, Socket } from 'node:net'

/**
 * Writes of one turn leave together: the socket is corked at the first and
 * uncorked at the turn's end, so they go out in one writev with no copy (a
 * concatenation copied every byte once more, which at 64 KiB values cost a
 * third of the throughput).
 */
function corked (socket: Socket): (bytes: Buffer) => void {
  let queued = false
  return bytes => {
    if (!queued) {
      queued = true
      socket.cork()
      setImmediate(() => {
        queued = false
        socket.uncork()
      })
    }
    socket.write(bytes)
  }
}

export async function startRawServer (): Promise<{ port: number, server: Server }> {
  const store = new Map<string, Uint8Array>()
  const server = createServer(socket => {
    socket.setNoDelay(true)
    const serve = serveFrames(store, corked(socket))
    const reader = new FrameReader()
    socket.on('data', (chunk: Buffer) => { for (const frame of reader.push(chunk)) serve(frame) })
    socket.on('error', () => { socket.destroy() })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port, server }
}

export async function connectRaw (port: number): Promise<BaselineClient & { close: () => void }> {
  const socket = createConnection({ port, host: '127.0.0.1' })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  socket.setNoDelay(true)
  const { client, onFrame } = clientOf(corked(socket))
  const reader = new FrameReader()
  socket.on('data', (chunk: Buffer) => { for (const frame of reader.push(chunk)) onFrame(frame) })
  return { ...client, close: () => { socket.destroy() } }
}
