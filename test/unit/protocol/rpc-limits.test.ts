import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { encodeFrame } from '../../../src/protocol/codec.js'
import { Op } from '../../../src/protocol/frame.js'
import { Rpc } from '../../../src/protocol/rpc.js'
import { turns } from '../fakes.js'
import { FakeNetwork } from './fake-network.js'
import type { RpcAccess, RpcInit } from '../../../src/protocol/rpc.js'

const INIT: RpcInit = { maxFrameBytes: 64 * 1024, maxItems: 100, timeoutMs: 1000 }

interface Node {
  rpc: Rpc
  misbehaviour: Array<{ peer: string, code: string }>
  /** Requests its handlers are serving now, and the most at once. */
  load: { now: number, max: number }
  release: () => void
}

/** A peer whose GET handler waits until release(): requests pile up in flight. */
async function node (net: FakeNetwork, id: string, init: Partial<RpcInit> = {}): Promise<Node> {
  const misbehaviour: Node['misbehaviour'] = []
  const rpc = new Rpc(net.components(id), { ...INIT, ...init, onMisbehaviour: (peer, err) => { misbehaviour.push({ peer, code: err.code }) } })
  const load = { now: 0, max: 0 }
  let gate!: () => void
  let opened = new Promise<void>(resolve => { gate = resolve })
  rpc.on(Op.GET, async () => {
    load.now++
    load.max = Math.max(load.max, load.now)
    await opened
    load.now--
    return {}
  })
  rpc.on(Op.PING, async () => ({}))
  await rpc.start()
  return { rpc, misbehaviour, load, release: () => { gate(); opened = Promise.resolve() } }
}

async function codeOf (promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(() => undefined, (err: MeshCacheError) => err.code)
}

afterEach(() => { vi.useRealTimers() })

describe('Rpc: requests in flight per peer', () => {
  it('never has more than the bound in flight to a peer: the rest queue, and all are answered', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A', { maxInFlightPerPeer: 4 })
    const b = await node(net, 'B', { maxInFlightPerPeer: 4 })
    const all = Promise.all(Array.from({ length: 50 }, async () => a.rpc.request('B', { op: Op.GET })))
    await turns(10)
    expect(b.load.now).toBe(4)
    b.release()
    expect(await all).toHaveLength(50)
    expect(b.load.max).toBe(4)
    expect(b.misbehaviour).toEqual([])
  })

  it('counts a request whose answer is late until the answer arrives, as the peer does', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A', { maxInFlightPerPeer: 2 })
    const b = await node(net, 'B', { maxInFlightPerPeer: 2 })
    const timedOut = [codeOf(a.rpc.request('B', { op: Op.GET }, 30)), codeOf(a.rpc.request('B', { op: Op.GET }, 30))]
    expect(await Promise.all(timedOut)).toEqual(['ERR_TIMEOUT', 'ERR_TIMEOUT'])
    // B still serves both: a third request must wait, not push B over its bound.
    const third = a.rpc.request('B', { op: Op.PING }, 1_000)
    await turns(10)
    expect(b.load.now).toBe(2)
    b.release()
    await third
    expect(b.misbehaviour).toEqual([])
  })

  it('a queued request that gets no slot in time fails with ERR_TIMEOUT and is never sent', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A', { maxInFlightPerPeer: 1 })
    const b = await node(net, 'B')
    const first = codeOf(a.rpc.request('B', { op: Op.GET }, 1_000))
    expect(await codeOf(a.rpc.request('B', { op: Op.GET }, 50))).toBe('ERR_TIMEOUT')
    b.release()
    expect(await first).toBeUndefined()
    expect(b.load.max).toBe(1)
  })

  it('a peer that sends more than the bound at once is reset and reported with ERR_LIMIT_EXCEEDED', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A')
    const b = await node(net, 'B', { maxInFlightPerPeer: 3 })
    await a.rpc.request('B', { op: Op.PING })
    // Bypass A's own slots: four requests in one chunk, as a hostile peer would.
    const [aEnd] = net.opened[0].ends
    const flood = Array.from({ length: 4 }, (_, i) => encodeFrame({ id: 100 + i, op: Op.GET, response: false }))
    void aEnd.stream.sink([new Uint8Array(flood.flatMap(f => [...f]))])
    await turns(10)
    expect(b.misbehaviour).toEqual([{ peer: 'A', code: 'ERR_LIMIT_EXCEEDED' }])
    // The orphaned handlers no longer count: A can be served again on a new stream.
    b.release()
    await turns()
    expect(await codeOf(a.rpc.request('B', { op: Op.PING }))).toBeUndefined()
  })
})

describe('Rpc: with a mesh secret', () => {
  function gate (proven: Set<string>, verdicts: Map<string, Promise<void>>): RpcAccess & { refusals: number } {
    const access = {
      refusals: 0,
      allowed: (peer: string) => proven.has(peer),
      verify: async (peer: string) => {
        await (verdicts.get(peer) ?? Promise.reject(new MeshCacheError(ErrorCodes.UNAUTHORIZED, 'no proof')))
        proven.add(peer)
      },
      refused: () => { access.refusals++ }
    }
    return access
  }

  it('waits for the peer to be verified before sending to it', async () => {
    const net = new FakeNetwork()
    let verified!: () => void
    const a = await node(net, 'A', { access: gate(new Set(), new Map([['B', new Promise<void>(resolve => { verified = resolve })]])) })
    await node(net, 'B')
    const reply = a.rpc.request('B', { op: Op.PING })
    await turns(5)
    expect(net.opened).toHaveLength(0)
    verified()
    await reply
    expect(net.opened).toHaveLength(1)
  })

  it('refuses to send to a peer that fails verification, with ERR_UNAUTHORIZED', async () => {
    const net = new FakeNetwork()
    const a = await node(net, 'A', { access: gate(new Set(), new Map()) })
    await node(net, 'B')
    expect(await codeOf(a.rpc.request('B', { op: Op.PING }))).toBe('ERR_UNAUTHORIZED')
    expect(a.rpc.refused('B')).toBe(true)
    expect(net.opened).toHaveLength(0)
  })

  it('answers an unverified asker ERR_UNAUTHORIZED without running the handler', async () => {
    const net = new FakeNetwork()
    const access = gate(new Set(), new Map())
    const a = await node(net, 'A')
    const b = await node(net, 'B', { access })
    expect(await codeOf(a.rpc.request('B', { op: Op.GET }))).toBe('ERR_UNAUTHORIZED')
    expect(b.load.max).toBe(0)
    expect(access.refusals).toBe(1)
    // A learns why: a join that fails can say so.
    expect(a.rpc.refused('B')).toBe(true)
  })
})
