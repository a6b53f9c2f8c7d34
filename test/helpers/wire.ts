import { multiaddr } from '@multiformats/multiaddr'
import { PROTOCOL } from '../../node/index.js'
import { FrameDecoder, encodeFrame } from '../../src/protocol/codec.js'
import type { MeshCache } from '../../node/index.js'
import type { Frame } from '../../src/protocol/frame.js'

/**
 * Speaks /meshcache/1.0.0 by hand from one peer's libp2p node to another's,
 * bypassing every check of the sender's own Rpc: what a hostile or broken
 * peer could send. Resolves with the answers that arrived within `waitMs`.
 */
export async function sendRaw (from: MeshCache, to: MeshCache, frames: Array<Partial<Frame>> | Uint8Array, waitMs = 1_000): Promise<Frame[]> {
  const address = to.multiaddrs.find(a => a.includes('/tcp/') && !a.includes('/ws')) ?? to.multiaddrs[0]
  const stream = await from.libp2p.dialProtocol(multiaddr(address), PROTOCOL, { signal: AbortSignal.timeout(3_000) })
  const bytes = frames instanceof Uint8Array ? frames : concat(frames.map((f, i) => encodeFrame({ id: i + 1, response: false, ...f })))
  const answers: Frame[] = []
  const decoder = new FrameDecoder({ maxFrameBytes: 4 << 20, maxItems: 100_000 })
  // Sent as one chunk, so the receiver sees every frame before it answers any.
  void stream.sink((async function * () {
    yield bytes
    await new Promise(resolve => setTimeout(resolve, waitMs))
  })()).catch(() => {})
  const reading = (async () => {
    try {
      for await (const chunk of stream.source) for (const frame of decoder.push(chunk)) answers.push(frame)
    } catch {
      // Reset by the receiver: what arrived before counts.
    }
  })()
  await Promise.race([reading, new Promise(resolve => setTimeout(resolve, waitMs))])
  stream.abort(new Error('done'))
  return answers
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) { out.set(part, offset); offset += part.byteLength }
  return out
}
