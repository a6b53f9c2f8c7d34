/**
 * What the stack costs: the least get/set protocol (baseline-wire.ts) on
 * one libp2p stream between two plain libp2p nodes — TCP, Noise and yamux as
 * meshcache has them, nothing else — writes coalesced per turn.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { pushable } from 'it-pushable'
import { createLibp2p } from 'libp2p'
import { FrameReader, clientOf, coalescer, serveFrames } from './baseline-wire.js'
import type { BaselineClient } from './baseline-wire.js'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

const PROTOCOL = '/bench-bare/1.0.0'

async function node (): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

/** Runs frames from the stream through `onFrame`; what `send` is given goes out as one chunk per turn. */
function wire (stream: Stream, onFrame: (frame: Buffer) => void): (bytes: Buffer) => void {
  const out = pushable<Uint8Array>()
  // A stream ends in an error when the other node stops first: say so, on stderr, and go on.
  const ended = (err: Error): void => { console.error(`bare libp2p stream: ${err.message}`) }
  void stream.sink(out).catch(ended)
  const reader = new FrameReader()
  void (async () => {
    for await (const chunk of stream.source as AsyncIterable<Uint8ArrayList>) {
      const bytes = chunk.subarray()
      for (const frame of reader.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) onFrame(frame)
    }
  })().catch(ended)
  return coalescer(chunk => { out.push(chunk) })
}

export async function startBareServer (): Promise<{ multiaddrs: string[], stop: () => Promise<void> }> {
  const server = await node()
  const store = new Map<string, Uint8Array>()
  await server.handle(PROTOCOL, ({ stream }) => {
    let serve: (frame: Buffer) => void = () => {}
    const send = wire(stream, frame => { serve(frame) })
    serve = serveFrames(store, send)
  })
  return { multiaddrs: server.getMultiaddrs().map(String), stop: async () => { await server.stop() } }
}

export async function connectBare (multiaddrs: string[]): Promise<BaselineClient & { close: () => Promise<void> }> {
  const client = await node()
  const stream = await client.dialProtocol(multiaddr(multiaddrs[0]), PROTOCOL)
  let onFrame: (frame: Buffer) => void = () => {}
  const ends = clientOf(wire(stream, frame => { onFrame(frame) }))
  onFrame = ends.onFrame
  return { ...ends.client, close: async () => { await client.stop() } }
}
