import { defaultLogger } from '@libp2p/logger'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { Channel } from '../../../src/protocol/channel.js'
import { FrameDecoder, encodeFrame } from '../../../src/protocol/codec.js'
import { Op } from '../../../src/protocol/frame.js'
import { streamPair, turns } from '../fakes.js'
import type { RequestHandler } from '../../../src/protocol/channel.js'
import type { Frame } from '../../../src/protocol/frame.js'
import type { FakeStream } from '../fakes.js'

const LIMITS = { maxFrameBytes: 64 * 1024, maxItems: 1000 }
const log = defaultLogger().forComponent('meshcache:channel')

interface Side {
  channel: Channel
  end: FakeStream
  misbehaviour: Array<{ peer: string, err: MeshCacheError }>
  closed: number
  notices: Array<{ frame: Frame, peer: string }>
}

function side (end: FakeStream, peer: string, onRequest: RequestHandler): Side {
  const s: Partial<Side> = { end, misbehaviour: [], closed: 0, notices: [] }
  s.channel = new Channel({
    stream: end.stream,
    peer,
    log,
    limits: LIMITS,
    onRequest,
    onNotice: (frame, p) => { s.notices?.push({ frame, peer: p }) },
    onClose: () => { s.closed = (s.closed ?? 0) + 1 },
    onMisbehaviour: (p, err) => { s.misbehaviour?.push({ peer: p, err }) }
  })
  return s as Side
}

/** An echo-ish handler: answers GET with the keys upper-cased, tagged with who answered. */
const answer = (who: string): RequestHandler => async frame => ({ keys: frame.keys.map(k => k.toUpperCase()), keyspace: who })

function connected (onA: RequestHandler = answer('A'), onB: RequestHandler = answer('B')): [Side, Side] {
  const [ea, eb] = streamPair()
  // Each side names the other peer.
  return [side(ea, 'B', onA), side(eb, 'A', onB)]
}

/** Attaches a handler at once so an expected rejection is never unhandled. */
function settle<T> (promise: Promise<T>): Promise<{ ok: true, value: T } | { ok: false, err: MeshCacheError }> {
  return promise.then(value => ({ ok: true as const, value }), (err: MeshCacheError) => ({ ok: false as const, err }))
}

afterEach(() => {
  vi.useRealTimers()
})

describe('Channel', () => {
  it('pairs many concurrent requests with their own responses', async () => {
    const [a] = connected(answer('A'), async frame => {
      // Answer in an order different from the requests'.
      await turns(frame.id % 3)
      return { keys: [`${frame.keys[0]}!`] }
    })
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => a.channel.request({ op: Op.GET, keys: [`k${i}`] }, 5000)))
    expect(replies.map(r => r.keys[0])).toEqual(Array.from({ length: 200 }, (_, i) => `k${i}!`))
    for (const reply of replies) {
      expect(reply.response).toBe(true)
      expect(reply.op).toBe(Op.GET)
    }
  })

  it('hands notices (id 0) to onNotice in order, never to onRequest, and answers none', async () => {
    let requests = 0
    const [a, b] = connected(answer('A'), async () => { requests++; return {} })
    for (let i = 1; i <= 3; i++) a.channel.notify(encodeFrame({ id: 0, op: Op.INVALIDATE, seq: BigInt(i) }))
    // A request after them still works, and its answer is the only frame that comes back.
    const reply = await a.channel.request({ op: Op.GET, keys: ['x'] }, 5000)
    expect(reply.response).toBe(true)
    expect(b.notices.map(n => [n.peer, n.frame.seq])).toEqual([['A', 1n], ['A', 2n], ['A', 3n]])
    expect(requests).toBe(1)
    const reader = new FrameDecoder(LIMITS)
    const answered = b.end.sent.flatMap(chunk => [...reader.push(chunk)])
    expect(answered.map(f => [f.op, f.response])).toEqual([[Op.GET, true]])
  })

  it('carries requests both ways over one stream', async () => {
    const [a, b] = connected()
    const [fromB, fromA] = await Promise.all([
      a.channel.request({ op: Op.GET, keys: ['x'] }, 5000),
      b.channel.request({ op: Op.GET, keys: ['y'] }, 5000)
    ])
    expect(fromB.keyspace).toBe('B')
    expect(fromB.keys).toEqual(['X'])
    expect(fromA.keyspace).toBe('A')
    expect(fromA.keys).toEqual(['Y'])
  })

  it('tells the handler which peer asked and hands it the request frame', async () => {
    const seen: Array<{ frame: Frame, peer: string }> = []
    const [a] = connected(answer('A'), async (frame, peer) => { seen.push({ frame, peer }); return {} })
    await a.channel.request({ op: Op.DELETE, keyspace: 'ks', keys: ['k'], version: 9n }, 5000)
    expect(seen).toHaveLength(1)
    expect(seen[0].peer).toBe('A')
    expect(seen[0].frame).toMatchObject({ op: Op.DELETE, keyspace: 'ks', keys: ['k'], version: 9n, response: false })
  })

  it('returns handler errors as typed errors with the same code', async () => {
    const [a] = connected(answer('A'), async frame => {
      if (frame.keys[0] === 'typed') throw new MeshCacheError(ErrorCodes.NO_LOADER, 'no loader for typed')
      throw new Error('boom')
    })
    const typed = await settle(a.channel.request({ op: Op.LEASE, keys: ['typed'] }, 5000))
    expect(typed.ok).toBe(false)
    if (typed.ok) return
    expect(typed.err).toBeInstanceOf(MeshCacheError)
    expect(typed.err.code).toBe('ERR_NO_LOADER')
    expect(typed.err.message).toBe('no loader for typed')

    const plain = await settle(a.channel.request({ op: Op.LEASE, keys: ['plain'] }, 5000))
    expect(plain.ok).toBe(false)
    if (plain.ok) return
    expect(plain.err.code).toBe('ERR_REMOTE')
    expect(plain.err.message).toBe('boom')
    // The channel is still usable after errors.
    expect(a.channel.isOpen).toBe(true)
  })

  it('maps an unknown error code from the peer to ERR_REMOTE', async () => {
    const [ea] = streamPair()
    const a = side(ea, 'B', answer('A'))
    const pending = settle(a.channel.request({ op: Op.GET }, 5000))
    await turns()
    // Answer request 1 by hand with a code that is not ours.
    ea.inject(encodeFrame({ id: 1, response: true, op: Op.GET, errorCode: 'ERR_WHATEVER', errorMessage: 'odd' }))
    const result = await pending
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.err.code).toBe('ERR_REMOTE')
      expect(result.err.message).toBe('odd')
    }
  })

  it('times out with ERR_TIMEOUT and ignores the late answer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const [a, b] = connected(answer('A'), async frame => {
      if (frame.keys[0] === 'slow') await gate
      return { keys: [`answer to ${frame.keys[0]}`] }
    })
    const slow = settle(a.channel.request({ op: Op.GET, keys: ['slow'] }, 1000))
    await turns()
    vi.advanceTimersByTime(999)
    await turns()
    let done = false
    void slow.then(() => { done = true })
    await turns()
    expect(done).toBe(false)
    vi.advanceTimersByTime(1)
    const result = await slow
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.err.code).toBe('ERR_TIMEOUT')

    // The answer now arrives late: it must not disturb anything.
    release()
    await turns()
    expect(b.end.sent.length).toBeGreaterThan(0)
    expect(a.channel.isOpen).toBe(true)
    expect(a.misbehaviour).toEqual([])
    const next = await a.channel.request({ op: Op.GET, keys: ['fast'] }, 1000)
    expect(next.keys).toEqual(['answer to fast'])
  })

  it('clears the timer of an answered request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const [a] = connected()
    await a.channel.request({ op: Op.GET, keys: ['k'] }, 1000)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('coalesces the frames written in one turn into one chunk', async () => {
    const [a, b] = connected()
    const requests = Array.from({ length: 25 }, (_, i) => a.channel.request({ op: Op.GET, keys: [`k${i}`] }, 5000))
    const replies = await Promise.all(requests)
    expect(replies).toHaveLength(25)
    expect(a.end.sent).toHaveLength(1)
    const frames = [...new FrameDecoder(LIMITS).push(a.end.sent[0])]
    expect(frames.map(f => f.keys[0])).toEqual(Array.from({ length: 25 }, (_, i) => `k${i}`))
    // The 25 answers, produced in one turn on the other side, also leave as one chunk.
    expect(b.end.sent).toHaveLength(1)
    expect([...new FrameDecoder(LIMITS).push(b.end.sent[0])]).toHaveLength(25)
  })

  it('writes separate turns as separate chunks', async () => {
    const [a] = connected()
    await a.channel.request({ op: Op.GET, keys: ['1'] }, 5000)
    await a.channel.request({ op: Op.GET, keys: ['2'] }, 5000)
    expect(a.end.sent).toHaveLength(2)
  })

  it('resets the stream on a malformed frame, reports the peer, and rejects what was pending', async () => {
    const [ea] = streamPair()
    const a = side(ea, 'B', answer('A'))
    const pending = [settle(a.channel.request({ op: Op.GET, keys: ['1'] }, 5000)), settle(a.channel.request({ op: Op.GET, keys: ['2'] }, 5000))]
    await turns()
    // A length of 3 followed by a body protobuf cannot parse.
    ea.inject(new Uint8Array([3, 0xff, 0xff, 0xff]))
    const results = await Promise.all(pending)
    for (const result of results) {
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.err.code).toBe('ERR_UNAVAILABLE')
    }
    expect(a.misbehaviour).toHaveLength(1)
    expect(a.misbehaviour[0].peer).toBe('B')
    expect(a.misbehaviour[0].err.code).toBe('ERR_MALFORMED_FRAME')
    expect(ea.aborted).toBeInstanceOf(MeshCacheError)
    expect(a.channel.isOpen).toBe(false)
    expect(a.closed).toBe(1)
    // Later requests fail at once.
    const later = await settle(a.channel.request({ op: Op.GET }, 5000))
    expect(later.ok).toBe(false)
    if (!later.ok) expect(later.err.code).toBe('ERR_UNAVAILABLE')
  })

  it('resets the stream on an oversized frame before its body arrives', async () => {
    const [ea] = streamPair()
    const a = side(ea, 'B', answer('A'))
    ea.inject(new Uint8Array([0xff, 0xff, 0xff, 0x0f])) // 2^28 - 1 bytes announced
    await turns()
    expect(a.misbehaviour.map(m => m.err.code)).toEqual(['ERR_FRAME_TOO_LARGE'])
    expect(ea.aborted).toBeDefined()
    expect(a.channel.isOpen).toBe(false)
  })

  it('a reset by one side closes the other side and rejects its pending requests', async () => {
    const [a, b] = connected(answer('A'), async () => await new Promise<never>(() => {}))
    const pending = settle(a.channel.request({ op: Op.GET, keys: ['never'] }, 5000))
    // B will receive a malformed frame and reset the stream.
    await turns()
    b.end.inject(new Uint8Array([1, 0x0f]))
    const result = await pending
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.err.code).toBe('ERR_UNAVAILABLE')
    expect(b.misbehaviour).toHaveLength(1)
    expect(a.misbehaviour).toHaveLength(0) // a reset is not A's peer misbehaving
    expect(a.channel.isOpen).toBe(false)
    expect(b.channel.isOpen).toBe(false)
  })

  it('close() rejects pending requests on both sides and closes the stream', async () => {
    const never = async (): Promise<never> => await new Promise<never>(() => {})
    const [a, b] = connected(never, never)
    const mine = settle(a.channel.request({ op: Op.GET }, 5000))
    const theirs = settle(b.channel.request({ op: Op.GET }, 5000))
    await turns()
    a.channel.close()
    const [r1, r2] = await Promise.all([mine, theirs])
    expect(r1.ok).toBe(false)
    expect(r2.ok).toBe(false)
    if (!r1.ok) expect(r1.err.code).toBe('ERR_UNAVAILABLE')
    if (!r2.ok) expect(r2.err.code).toBe('ERR_UNAVAILABLE')
    expect(a.end.closed).toBe(true)
    expect(a.closed).toBe(1)
    expect(b.closed).toBe(1)
    expect(a.channel.isOpen).toBe(false)
    expect(b.channel.isOpen).toBe(false)
    // close() twice is harmless and onClose fires once.
    a.channel.close()
    expect(a.closed).toBe(1)
  })

  it('closes when the remote ends the stream', async () => {
    const [ea, eb] = streamPair()
    const a = side(ea, 'B', answer('A'))
    const pending = settle(a.channel.request({ op: Op.GET }, 5000))
    await turns()
    void eb.stream.sink((async function * () {})())
    const result = await pending
    expect(result.ok).toBe(false)
    expect(a.closed).toBe(1)
    expect(a.misbehaviour).toEqual([])
  })
})
