import { defaultLogger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { openStream } from '../../../src/protocol/open-stream.js'
import type { StreamNode } from '../../../src/protocol/open-stream.js'
import type { Connection, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const PEER = '12D3KooWJA8QwutYMkzQrXt3Ufi8jTAmUABKLTiysJdqAfzuw3pY'
const DIRECT = '/ip4/10.0.0.1/udp/1/webrtc-direct'
const DIALLED = '/ip4/127.0.0.1/tcp/2'
const RELAYED = `/ip4/127.0.0.1/tcp/1/ws/p2p/${PEER.replace('pY', 'pZ')}/p2p-circuit`

/** How a fake connection answers newStream: after `ms`, with a stream or an error; 'hang' never (until aborted). */
type Behaviour = { ms: number, error?: Error } | 'hang'

interface FakeConnection {
  connection: Connection
  /** When newStream was called, ms after the test began; undefined if never. */
  startedAt?: number
  aborted: boolean
  stream?: Stream & { abortedWith?: Error }
}

function fakeConnection (addr: string, behaviour: Behaviour, t0: number): FakeConnection {
  const fake: FakeConnection = { aborted: false } as FakeConnection
  fake.connection = {
    status: 'open',
    remoteAddr: multiaddr(addr),
    newStream: async (_protocol: string, { signal }: { signal: AbortSignal }) => {
      fake.startedAt = Date.now() - t0
      return new Promise((resolve, reject) => {
        const onAbort = (): void => { fake.aborted = true; reject(signal.reason) }
        if (signal.aborted) { onAbort(); return }
        signal.addEventListener('abort', onAbort)
        if (behaviour === 'hang') return
        setTimeout(() => {
          signal.removeEventListener('abort', onAbort)
          if (behaviour.error != null) { reject(behaviour.error); return }
          const stream: any = { id: addr, abort: (err: Error) => { stream.abortedWith = err } }
          fake.stream = stream
          resolve(stream)
        }, behaviour.ms)
      })
    }
  } as unknown as Connection
  return fake
}

function node (connections: FakeConnection[], stored: string[] = []): StreamNode & { dialled: string[][] } {
  const dialled: string[][] = []
  return {
    dialled,
    getConnections: () => connections.map(c => c.connection),
    peerStore: { get: async () => ({ addresses: stored.map(a => ({ multiaddr: multiaddr(a) })) }) },
    dial: async (target: Multiaddr[] | unknown) => {
      dialled.push(Array.isArray(target) ? target.map(String) : [String(target)])
      return fakeConnection(DIALLED, { ms: 0 }, Date.now()).connection
    },
    logger: defaultLogger()
  }
}

/** libp2p lists connections oldest first; openStream tries direct ones first, newest first. */
function setUp (direct: Behaviour, relayed: Behaviour): { relayedConn: FakeConnection, directConn: FakeConnection, net: ReturnType<typeof node> } {
  const t0 = Date.now()
  const relayedConn = fakeConnection(RELAYED, relayed, t0)
  const directConn = fakeConnection(DIRECT, direct, t0)
  return { relayedConn, directConn, net: node([relayedConn, directConn]) }
}

describe('openStream', () => {
  it('uses the direct connection and leaves a relayed one alone when the direct one answers', async () => {
    const { relayedConn, net } = setUp({ ms: 5 }, { ms: 5 })
    const stream = await openStream(net, PEER, '/p', 2_000)
    expect(stream.id).toBe(DIRECT)
    expect(relayedConn.startedAt).toBeUndefined()
    expect(net.dialled).toEqual([])
  })

  it('a slow direct connection keeps the whole budget, not a share of it', async () => {
    // 1.2 s of a 2 s budget: a half-share per connection gave up on it at 1 s.
    const { directConn, net } = setUp({ ms: 1_200 }, 'hang')
    const stream = await openStream(net, PEER, '/p', 2_000)
    expect(stream.id).toBe(DIRECT)
    expect(directConn.aborted).toBe(false)
    expect(net.dialled).toEqual([])
  })

  it('a hanging direct connection is joined by the relayed one after its moment alone; the first stream wins', async () => {
    const { directConn, relayedConn, net } = setUp('hang', { ms: 5 })
    const stream = await openStream(net, PEER, '/p', 2_000)
    expect(stream.id).toBe(RELAYED)
    expect(relayedConn.startedAt).toBeGreaterThanOrEqual(450)
    expect(relayedConn.startedAt).toBeLessThan(1_000)
    expect(directConn.aborted).toBe(true) // the loser's attempt is called off
  })

  it('a failing direct connection hands over at once', async () => {
    const { relayedConn, net } = setUp({ ms: 0, error: new Error('gone') }, { ms: 5 })
    const stream = await openStream(net, PEER, '/p', 2_000)
    expect(stream.id).toBe(RELAYED)
    expect(relayedConn.startedAt).toBeLessThan(200)
  })

  it('a stream that opens after another won is aborted', async () => {
    const { directConn, net } = setUp({ ms: 700 }, { ms: 100 })
    const stream = await openStream(net, PEER, '/p', 2_000)
    // The relayed one starts at 500 ms and opens at 600 ms, before the direct one's 700 ms.
    expect(stream.id).toBe(RELAYED)
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(directConn.aborted || directConn.stream?.abortedWith != null).toBe(true)
  })

  it('dials when no connection opens a stream in time', async () => {
    const { net } = setUp('hang', 'hang')
    const stream = await openStream(net, PEER, '/p', 300, ['/ip4/127.0.0.1/tcp/9/ws/p2p-circuit', '/ip4/10.0.0.1/udp/1/webrtc-direct', 'not an address'])
    expect(stream.id).toBe(DIALLED)
    expect(net.dialled).toEqual([[`/ip4/127.0.0.1/tcp/9/ws/p2p-circuit/p2p/${PEER}`]])
  })

  it('a peer that does not speak the protocol is not dialled', async () => {
    const unsupported = Object.assign(new Error('no'), { name: 'UnsupportedProtocolError' })
    const { net } = setUp({ ms: 0, error: unsupported }, { ms: 0, error: unsupported })
    await expect(openStream(net, PEER, '/p', 2_000)).rejects.toThrow(unsupported)
    expect(net.dialled).toEqual([])
  })

  it('with no connection, dials the stored and announced non-WebRTC addresses', async () => {
    const net = node([], [`/ip4/127.0.0.1/tcp/7/p2p/${PEER}`, '/ip4/127.0.0.1/udp/7/webrtc'])
    const stream = await openStream(net, PEER, '/p', 2_000, ['/ip4/127.0.0.1/tcp/8'])
    expect(stream.id).toBe(DIALLED)
    expect(net.dialled).toEqual([[`/ip4/127.0.0.1/tcp/7/p2p/${PEER}`, `/ip4/127.0.0.1/tcp/8/p2p/${PEER}`]])
  })
})
