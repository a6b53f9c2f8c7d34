import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { PROTOCOL, Rpc } from '../../../src/protocol/rpc.js'
import { Op } from '../../../src/protocol/frame.js'
import { turns } from '../fakes.js'
import { FakeNetwork } from './fake-network.js'
import type { RpcInit } from '../../../src/protocol/rpc.js'

const INIT: RpcInit = { maxFrameBytes: 64 * 1024, maxItems: 100, timeoutMs: 1000 }

async function node (net: FakeNetwork, id: string, init: Partial<RpcInit> = {}): Promise<Rpc> {
  const rpc = new Rpc(net.components(id), { ...INIT, ...init })
  rpc.on(Op.PING, async (_frame, peer) => ({ names: [id, peer] }))
  await rpc.start()
  return rpc
}

async function codeOf (promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(MeshCacheError)
    return (err as MeshCacheError).code
  }
  return undefined
}

afterEach(() => {
  vi.useRealTimers()
})

describe('Rpc', () => {
  it('registers the protocol handler on start and removes it on stop', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    expect(net.handlers.get('A')?.has(PROTOCOL)).toBe(true)
    await a.stop()
    expect(net.handlers.get('A')?.has(PROTOCOL)).toBe(false)
  })

  it('routes a request to the handler of its op and tells it who asked', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    await node(net, 'B')
    const reply = await a.request('B', { op: Op.PING })
    expect(reply.names).toEqual(['B', 'A'])
    expect(reply.op).toBe(Op.PING)
  })

  it('uses one stream per peer pair for requests both ways', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    const b = await node(net, 'B')
    await a.request('B', { op: Op.PING })
    await b.request('A', { op: Op.PING })
    await a.request('B', { op: Op.PING })
    expect(net.opened).toHaveLength(1)
    expect((await b.request('A', { op: Op.PING })).names).toEqual(['A', 'B'])
    expect(net.opened).toHaveLength(1)
  })

  it('opens a single stream for concurrent first requests to a peer', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    await node(net, 'B')
    const replies = await Promise.all(Array.from({ length: 20 }, async () => await a.request('B', { op: Op.PING })))
    expect(replies).toHaveLength(20)
    expect(net.opened).toHaveLength(1)
  })

  it('stop() also closes the stream left over when both sides opened at once', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    const b = await node(net, 'B')
    let served = 0
    a.on(Op.PING, async () => { served++; return {} })
    await Promise.all([a.request('B', { op: Op.PING }), b.request('A', { op: Op.PING })])
    expect(net.opened).toHaveLength(2)
    expect(served).toBe(1)
    await a.stop()
    expect(await codeOf(b.request('A', { op: Op.PING }, 200))).toMatch(/ERR_UNAVAILABLE|ERR_TIMEOUT|ERR_CLOSED/)
    expect(served).toBe(1)
    await b.stop()
  })

  it('pairs many concurrent requests with their answers', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    const b = await node(net, 'B')
    b.on(Op.GET, async frame => {
      await turns(frame.keys[0].length % 3)
      return { keys: [frame.keys[0] + '=' + String(frame.keys[0].length)] }
    })
    const keys = Array.from({ length: 100 }, (_, i) => 'k'.repeat(1 + (i % 7)) + String(i))
    const replies = await Promise.all(keys.map(async key => await a.request('B', { op: Op.GET, keys: [key] })))
    expect(replies.map(r => r.keys[0])).toEqual(keys.map(k => `${k}=${k.length}`))
  })

  it('returns handler errors with their code, and ERR_REMOTE for untyped ones', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    const b = await node(net, 'B')
    b.on(Op.LEASE, async () => { throw new MeshCacheError(ErrorCodes.LOADER_FAILED, 'db down') })
    b.on(Op.FILL, async () => { throw new TypeError('oops') })
    expect(await codeOf(a.request('B', { op: Op.LEASE }))).toBe('ERR_LOADER_FAILED')
    expect(await codeOf(a.request('B', { op: Op.FILL }))).toBe('ERR_REMOTE')
    await expect(a.request('B', { op: Op.LEASE })).rejects.toThrow('db down')
  })

  it('answers an op without a handler with ERR_MALFORMED_FRAME and keeps serving', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    await node(net, 'B')
    expect(await codeOf(a.request('B', { op: Op.KEYSPACES }))).toBe('ERR_MALFORMED_FRAME')
    expect((await a.request('B', { op: Op.PING })).names).toEqual(['B', 'A'])
  })

  it('rejects with ERR_TIMEOUT when the peer does not answer in time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const net = new FakeNetwork()
    const a = await node(net, 'A', { timeoutMs: 500 })
    const b = await node(net, 'B')
    b.on(Op.GET, async () => await new Promise<never>(() => {}))
    const pending = codeOf(a.request('B', { op: Op.GET }))
    const custom = codeOf(a.request('B', { op: Op.GET }, 2000))
    await turns()
    vi.advanceTimersByTime(500)
    expect(await pending).toBe('ERR_TIMEOUT')
    let customDone = false
    void custom.then(() => { customDone = true })
    await turns()
    expect(customDone).toBe(false)
    vi.advanceTimersByTime(1500)
    expect(await custom).toBe('ERR_TIMEOUT')
  })

  it('rejects with ERR_UNAVAILABLE when the peer cannot be reached, and retries later', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    expect(await codeOf(a.request('B', { op: Op.PING }))).toBe('ERR_UNAVAILABLE')
    await node(net, 'B')
    expect((await a.request('B', { op: Op.PING })).names).toEqual(['B', 'A'])
  })

  it('rejects with ERR_CLOSED before start and after stop', async () => {
    const net = new FakeNetwork()
    await node(net, 'B')
    const a = new Rpc(net.components('A'), INIT)
    expect(await codeOf(a.request('B', { op: Op.PING }))).toBe('ERR_CLOSED')
    await a.start()
    await a.request('B', { op: Op.PING })
    await a.stop()
    expect(await codeOf(a.request('B', { op: Op.PING }))).toBe('ERR_CLOSED')
  })

  it('stop() rejects requests in flight with ERR_UNAVAILABLE', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    const b = await node(net, 'B')
    b.on(Op.GET, async () => await new Promise<never>(() => {}))
    await a.request('B', { op: Op.PING })
    const pending = codeOf(a.request('B', { op: Op.GET }))
    await turns()
    await a.stop()
    expect(await pending).toBe('ERR_UNAVAILABLE')
  })

  it('disconnect() rejects what waits on that peer and the next request opens a new stream', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    const b = await node(net, 'B')
    b.on(Op.GET, async () => await new Promise<never>(() => {}))
    await a.request('B', { op: Op.PING })
    const pending = codeOf(a.request('B', { op: Op.GET }))
    await turns()
    a.disconnect('B')
    expect(await pending).toBe('ERR_UNAVAILABLE')
    await turns()
    expect((await a.request('B', { op: Op.PING })).names).toEqual(['B', 'A'])
    expect(net.opened).toHaveLength(2)
  })

  it('reports a peer that sends a malformed frame, rejects its pending requests, and recovers with a new stream', async () => {
    const net = new FakeNetwork()
    const bad: Array<{ peer: string, code: string }> = []
    const a = await node(net, 'A', { onMisbehaviour: (peer, err) => { bad.push({ peer, code: err.code }) } })
    const b = await node(net, 'B')
    b.on(Op.GET, async () => await new Promise<never>(() => {}))
    await a.request('B', { op: Op.PING })
    const pending = codeOf(a.request('B', { op: Op.GET }))
    await turns()
    // Garbage arrives on A's end of the stream as if B had sent it.
    const [aEnd] = net.opened[0].ends
    aEnd.inject(new Uint8Array([2, 0xff, 0xff]))
    expect(await pending).toBe('ERR_UNAVAILABLE')
    expect(bad).toEqual([{ peer: 'B', code: 'ERR_MALFORMED_FRAME' }])
    expect(aEnd.aborted).toBeDefined()
    await turns()
    expect((await a.request('B', { op: Op.PING })).names).toEqual(['B', 'A'])
    expect(net.opened).toHaveLength(2)
  })

  it('a malformed frame without an onMisbehaviour callback does not throw', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    await node(net, 'B')
    await a.request('B', { op: Op.PING })
    net.opened[0].ends[0].inject(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))
    await turns()
    expect((await a.request('B', { op: Op.PING })).names).toEqual(['B', 'A'])
  })
})
