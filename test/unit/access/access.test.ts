import { defaultLogger } from '@libp2p/logger'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Access, authProtocol } from '../../../src/access/access.js'
import { macWith } from '../../../src/access/handshake.js'
import { Penalties } from '../../../src/access/penalties.js'
import { PENDING_SCORE, SCORE_THRESHOLDS } from '../../../src/access/score.js'
import { streamPair, turns } from '../fakes.js'
import type { AccessComponents } from '../../../src/access/access.js'
import type { Mac } from '../../../src/access/handshake.js'
import type { Connection, Stream } from '@libp2p/interface'

type Handler = (data: { stream: Stream, connection: Connection }) => void

/** Peers that open in-memory streams to each other; a peer without the handler answers as libp2p does. */
class FakeNet {
  readonly handlers = new Map<string, Handler>()
  readonly hungUp: Array<{ by: string, peer: string }> = []
  readonly rejected: Array<{ by: string, peer: string }> = []
  opened = 0
  unreachable = new Set<string>()

  async peer (self: string, mac?: Mac): Promise<{ access: Access, penalties: Penalties }> {
    // A clock that stands still: penalties do not decay and buckets do not refill unless a test says so.
    const now = (): number => 1_000_000
    const penalties = new Penalties({ now })
    const access = new Access({ mesh: 'm', mac, timeoutMs: 500, penalties, maxInvalidationsPerSecond: 100, now })
    const components: AccessComponents = {
      self,
      logger: defaultLogger(),
      handle: async (protocol, handler) => {
        expect(protocol).toBe(authProtocol('m'))
        this.handlers.set(self, handler)
      },
      openStream: async peer => {
        await Promise.resolve()
        if (this.unreachable.has(peer)) throw new Error(`no route to ${peer}`)
        const handler = this.handlers.get(peer)
        if (handler == null) throw Object.assign(new Error('protocol selection failed'), { name: 'UnsupportedProtocolError' })
        this.opened++
        const [mine, theirs] = streamPair()
        handler({ stream: theirs.stream, connection: { remotePeer: { toString: () => self } } as unknown as Connection })
        return mine.stream
      },
      hangUp: peer => { this.hungUp.push({ by: self, peer }) },
      onRejected: peer => { this.rejected.push({ by: self, peer }) }
    }
    await access.start(components)
    return { access, penalties }
  }
}

async function codeOf (promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(() => undefined, (err: { code?: string }) => err.code)
}

const KEY = new Uint8Array(32).fill(1)

afterEach(() => { vi.useRealTimers() })

describe('Access with a secret', () => {
  it('two peers with the key prove each other; one handshake serves every concurrent asker', async () => {
    const net = new FakeNet()
    const { access: a } = await net.peer('A', macWith(KEY))
    const { access: b } = await net.peer('B', macWith(KEY))
    expect(a.allowed('B')).toBe(false)
    expect(a.score('B')).toBe(PENDING_SCORE)
    await Promise.all([a.verify('B'), a.verify('B'), a.verify('B')])
    expect(net.opened).toBe(1)
    expect(a.allowed('B')).toBe(true)
    expect(b.allowed('A')).toBe(true) // the responder learned it in the same handshake
    expect(a.score('B')).toBe(0)
    expect(a.status()).toMatchObject({ secret: true, verifiedPeers: 1, unauthorized: 0, bannedPeers: 0 })
    // Proven once, asked again for free; a new connection proves itself anew.
    await b.verify('A')
    expect(net.opened).toBe(1)
    a.disconnected('B')
    expect(a.allowed('B')).toBe(false)
  })

  it('places an unproven peer between gossipsub\'s publish and graylist thresholds', () => {
    expect(PENDING_SCORE).toBeLessThan(SCORE_THRESHOLDS.publishThreshold)
    expect(PENDING_SCORE).toBeGreaterThan(SCORE_THRESHOLDS.graylistThreshold)
  })

  it('a peer with another key is refused both ways, banned, reported and hung up after a grace', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const net = new FakeNet()
    const { access: a, penalties } = await net.peer('A', macWith(KEY))
    const { access: e } = await net.peer('E', macWith(new Uint8Array(32).fill(2)))
    // Both ends challenge at once, as on a real connection.
    const [fromA, fromE] = await Promise.all([codeOf(a.verify('E')), codeOf(e.verify('A'))])
    expect(fromA).toBe('ERR_UNAUTHORIZED')
    expect(fromE).toBe('ERR_UNAUTHORIZED')
    expect(penalties.banned('E')).toBe(true)
    expect(a.allowed('E')).toBe(false)
    expect(a.score('E')).toBeLessThan(SCORE_THRESHOLDS.graylistThreshold)
    expect(net.rejected).toContainEqual({ by: 'A', peer: 'E' })
    expect(net.hungUp).toEqual([])
    vi.advanceTimersByTime(500)
    expect(net.hungUp).toContainEqual({ by: 'A', peer: 'E' })
    // Banned: later asks fail at once, without another handshake.
    const opened = net.opened
    expect(await codeOf(a.verify('E'))).toBe('ERR_UNAUTHORIZED')
    expect(net.opened).toBe(opened)
    expect(a.status()).toMatchObject({ unauthorized: 1, bannedPeers: 1 })
  })

  it('a peer without any secret (no handshake handler) is refused and banned', async () => {
    const net = new FakeNet()
    const { access: a, penalties } = await net.peer('A', macWith(KEY))
    await net.peer('N')
    expect(net.handlers.has('N')).toBe(false)
    expect(await codeOf(a.verify('N'))).toBe('ERR_UNAUTHORIZED')
    expect(penalties.banned('N')).toBe(true)
  })

  it('an unreachable peer gets no verdict: ERR_UNAVAILABLE, no penalty, and the next ask tries again', async () => {
    const net = new FakeNet()
    const { access: a, penalties } = await net.peer('A', macWith(KEY))
    await net.peer('B', macWith(KEY))
    net.unreachable.add('B')
    expect(await codeOf(a.verify('B'))).toBe('ERR_UNAVAILABLE')
    expect(penalties.points('B')).toBe(0)
    net.unreachable.clear()
    await a.verify('B')
    expect(a.allowed('B')).toBe(true)
  })

  it('ignores gossip unless both originator and forwarder are proven, and goes to meet an unknown originator', async () => {
    const net = new FakeNet()
    const { access: a } = await net.peer('A', macWith(KEY))
    await net.peer('B', macWith(KEY))
    await net.peer('C', macWith(KEY))
    await a.verify('B')
    expect(a.acceptGossip('C', 'B')).toBe(false) // C is a member A has not met yet
    expect(a.acceptGossip('B', 'C')).toBe(false)
    for (let i = 0; i < 20 && !a.allowed('C'); i++) await turns(1)
    expect(a.allowed('C')).toBe(true)
    expect(a.acceptGossip('C', 'B')).toBe(true)
    expect(a.status().ignoredGossip).toBe(2)
  })

  it('stop() fails a handshake in progress with ERR_CLOSED', async () => {
    const net = new FakeNet()
    const { access: a } = await net.peer('A', macWith(KEY))
    await net.peer('B', macWith(KEY))
    const pending = codeOf(a.verify('B'))
    a.stop()
    expect(await pending).toBe('ERR_CLOSED')
  })
})

describe('Access without a secret', () => {
  it('lets everyone in at once and registers no handshake', async () => {
    const net = new FakeNet()
    const { access } = await net.peer('A')
    expect(net.handlers.size).toBe(0)
    await access.verify('anyone')
    expect(access.allowed('anyone')).toBe(true)
    expect(access.score('anyone')).toBe(0)
    expect(access.acceptGossip('x', 'y')).toBe(true)
    expect(access.status().secret).toBe(false)
  })

  it('still penalizes and hangs up misbehaving peers, and rate-limits invalidations per originator', async () => {
    const net = new FakeNet()
    const { access, penalties } = await net.peer('A')
    // 100 a second, 200 of burst.
    expect(access.admitInvalidations('flooder', 150)).toBe(true)
    expect(access.admitInvalidations('flooder', 100)).toBe(false)
    expect(access.admitInvalidations('other', 150)).toBe(true)
    expect(net.hungUp).toEqual([{ by: 'A', peer: 'flooder' }])
    expect(penalties.points('flooder')).toBe(40)
    expect(access.score('flooder')).toBe(-40)
    expect(access.status()).toMatchObject({ rejected: 1, penalizedPeers: 1, bannedPeers: 0 })
    // Twice more and it is banned.
    access.admitInvalidations('flooder', 100)
    access.admitInvalidations('flooder', 100)
    expect(access.banned('flooder')).toBe(true)
    expect(access.allowed('flooder')).toBe(false)
    expect(await codeOf(access.verify('flooder'))).toBe('ERR_UNAUTHORIZED')
  })

  it('never penalizes itself', async () => {
    const net = new FakeNet()
    const { access, penalties } = await net.peer('A')
    access.admitInvalidations('A', 10_000)
    expect(penalties.points('A')).toBe(0)
    expect(net.hungUp).toEqual([])
  })
})
