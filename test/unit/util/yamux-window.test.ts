import { yamux } from '@chainsafe/libp2p-yamux'
import { defaultLogger } from '@libp2p/logger'
import { duplexPair } from 'it-pair/duplex'
import { pipe } from 'it-pipe'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { sendYamuxWindowUpdatesAtHalf } from '../../../src/util/yamux-window.js'
import type { Stream, StreamMuxer } from '@libp2p/interface'

const WINDOW_UPDATE = 1
const HEADER_BYTES = 12

/** Two yamux muxers joined back to back; counts the WINDOW_UPDATE frames the listening side sends. */
async function muxerPair (): Promise<{ dialer: StreamMuxer, incoming: Promise<Stream>, updates: () => number }> {
  const factory = yamux()({ logger: defaultLogger() })
  let accept: (stream: Stream) => void = () => {}
  const incoming = new Promise<Stream>(resolve => { accept = resolve })
  const dialer = factory.createStreamMuxer({ direction: 'outbound' })
  const listener = factory.createStreamMuxer({ direction: 'inbound', onIncomingStream: stream => { accept(stream) } })
  const [a, b] = duplexPair<Uint8Array | Uint8ArrayList>()
  let updates = 0
  const pending = new Uint8ArrayList()
  // Reads the listener's output as yamux frames (12-byte header, then the data frame's body).
  const watch = async function * (source: AsyncIterable<Uint8Array | Uint8ArrayList>): AsyncGenerator<Uint8Array | Uint8ArrayList> {
    for await (const chunk of source) {
      pending.append(chunk)
      while (pending.byteLength >= HEADER_BYTES) {
        const type = pending.get(1)
        const length = pending.getUint32(8)
        const body = type === 0 ? length : 0
        if (pending.byteLength < HEADER_BYTES + body) break
        if (type === WINDOW_UPDATE) updates++
        pending.consume(HEADER_BYTES + body)
      }
      yield chunk
    }
  }
  void pipe(a, dialer, a)
  void pipe(b, listener, watch, b)
  return { dialer, incoming, updates: () => updates }
}

describe('yamux window updates at half the window', () => {
  sendYamuxWindowUpdatesAtHalf()

  it('reading many small chunks sends no window update until half the window is read', async () => {
    const { dialer, incoming, updates } = await muxerPair()
    const stream = await dialer.newStream()
    const chunks = Array.from({ length: 200 }, (_, i) => new Uint8Array(100).fill(i))
    void pipe(chunks, stream.sink)
    const received = await incoming
    let bytes = 0
    for await (const chunk of received.source) {
      bytes += chunk.byteLength
      if (bytes >= 200 * 100) break
    }
    expect(bytes).toBe(20_000)
    // The ACK that opens the stream is one; 20 kB of a 256 KiB window asks for no more.
    expect(updates()).toBe(1)
  })

  it('a transfer many windows long still flows: updates come as each half is read', async () => {
    const { dialer, incoming, updates } = await muxerPair()
    const stream = await dialer.newStream()
    const total = 4 * 1024 * 1024
    void pipe(Array.from({ length: total / 16_384 }, () => new Uint8Array(16_384)), stream.sink)
    const received = await incoming
    let bytes = 0
    for await (const chunk of received.source) {
      bytes += chunk.byteLength
      if (bytes >= total) break
    }
    expect(bytes).toBe(total)
    // Without the change: one per 16 KiB chunk read (256 here).
    expect(updates()).toBeGreaterThan(1)
    expect(updates()).toBeLessThan(total / 16_384 / 4)
  }, 20_000)
})
