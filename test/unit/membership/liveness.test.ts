import { defaultLogger } from '@libp2p/logger'
import { beforeAll, describe, expect, it } from 'vitest'
import { Liveness } from '../../../src/membership/liveness.js'
import { realPeerId } from '../ownership/helpers.js'
import type { LivenessComponents } from '../../../src/membership/liveness.js'
import type { Member } from '../../../src/membership/member.js'
import type { PeerData, PeerId, PeerStore } from '@libp2p/interface'

interface Merge { peerId: string, multiaddrs: string[] }

interface Setup {
  liveness: Liveness
  pings: Array<{ peer: string, timeoutMs: number }>
  merges: Merge[]
  /** Every call to ping or merge, in order: 'ping' or 'merge'. */
  calls: string[]
  state: { running: boolean, pingFails: boolean, mergeFails: boolean, banned: Set<string> }
}

function setup (requestTimeoutMs = 5_000): Setup {
  const pings: Setup['pings'] = []
  const merges: Merge[] = []
  const calls: string[] = []
  const state: Setup['state'] = { running: true, pingFails: false, mergeFails: false, banned: new Set() }
  const peerStore: Pick<PeerStore, 'merge'> = {
    merge: async (id: PeerId, data: PeerData) => {
      calls.push('merge')
      merges.push({ peerId: id.toString(), multiaddrs: (data.multiaddrs ?? []).map(String) })
      if (state.mergeFails) throw new Error('peer store is closed')
      return { id, addresses: [], protocols: [], metadata: new Map(), tags: new Map() }
    }
  }
  const components: LivenessComponents = {
    ping: async (peer, timeoutMs) => {
      calls.push('ping')
      pings.push({ peer, timeoutMs })
      if (state.pingFails) throw new Error('ping timed out')
      return 3
    },
    peerStore,
    banned: peer => state.banned.has(peer),
    running: () => state.running,
    logger: defaultLogger()
  }
  return { liveness: new Liveness(components, { requestTimeoutMs }), pings, merges, calls, state }
}

function memberOf (peerId: string, addrs: string[]): Member {
  return { peerId, role: 'owner', weight: 1, incarnation: 1, addrs, lastSeen: 0, keys: 0 }
}

let peerB: string

beforeAll(async () => {
  peerB = (await realPeerId()).toString()
})

describe('Liveness.probe', () => {
  it('is true when the ping answers', async () => {
    const s = setup()
    await expect(s.liveness.probe(peerB)).resolves.toBe(true)
    expect(s.pings.map(p => p.peer)).toEqual([peerB])
  })

  it('is false, without throwing, when the ping rejects', async () => {
    const s = setup()
    s.state.pingFails = true
    await expect(s.liveness.probe(peerB)).resolves.toBe(false)
    expect(s.pings).toHaveLength(1)
  })

  it('is true without pinging while the cache is not running', async () => {
    const s = setup()
    s.state.running = false
    s.state.pingFails = true
    await expect(s.liveness.probe(peerB)).resolves.toBe(true)
    expect(s.pings).toEqual([])
  })

  it('gives the ping the whole request timeout', async () => {
    const long = setup(30_000)
    await long.liveness.probe(peerB)
    expect(long.pings[0].timeoutMs).toBe(30_000)

    const short = setup(700)
    await short.liveness.probe(peerB)
    expect(short.pings[0].timeoutMs).toBe(700)
  })
})

describe('Liveness.redial', () => {
  const addrs = ['/ip4/10.0.0.1/tcp/4001', '/dns4/b.example/tcp/443/wss']

  it('is false for a banned peer, touching neither the peer store nor ping', async () => {
    const s = setup()
    s.state.banned.add(peerB)
    await expect(s.liveness.redial(memberOf(peerB, addrs))).resolves.toBe(false)
    expect(s.calls).toEqual([])
  })

  it('is false while the cache is not running, touching neither the peer store nor ping', async () => {
    const s = setup()
    s.state.running = false
    await expect(s.liveness.redial(memberOf(peerB, addrs))).resolves.toBe(false)
    expect(s.calls).toEqual([])
  })

  it('stores the member\'s addresses under its peer id, then probes it', async () => {
    const s = setup()
    await expect(s.liveness.redial(memberOf(peerB, addrs))).resolves.toBe(true)
    expect(s.merges).toEqual([{ peerId: peerB, multiaddrs: addrs }])
    expect(s.calls).toEqual(['merge', 'ping'])
    expect(s.pings).toEqual([{ peer: peerB, timeoutMs: 5_000 }])
  })

  it('answers what the probe found: false when the ping fails', async () => {
    const s = setup()
    s.state.pingFails = true
    await expect(s.liveness.redial(memberOf(peerB, addrs))).resolves.toBe(false)
    expect(s.calls).toEqual(['merge', 'ping'])
  })

  it('skips an address that does not parse, keeping the rest', async () => {
    const s = setup()
    const member = memberOf(peerB, ['not an address', addrs[0], '/ip4/999.1.1.1/tcp/1', addrs[1]])
    await expect(s.liveness.redial(member)).resolves.toBe(true)
    expect(s.merges).toEqual([{ peerId: peerB, multiaddrs: addrs }])
  })

  it('still probes when the peer store refuses the addresses', async () => {
    const s = setup()
    s.state.mergeFails = true
    await expect(s.liveness.redial(memberOf(peerB, addrs))).resolves.toBe(true)
    expect(s.calls).toEqual(['merge', 'ping'])
  })
})

describe('Liveness.learnAddrs', () => {
  it('resolves when the peer store merge rejects', async () => {
    const s = setup()
    s.state.mergeFails = true
    await expect(s.liveness.learnAddrs(memberOf(peerB, ['/ip4/10.0.0.2/tcp/1']))).resolves.toBeUndefined()
    expect(s.merges).toEqual([{ peerId: peerB, multiaddrs: ['/ip4/10.0.0.2/tcp/1'] }])
  })

  it('merges even while not running (it only stores addresses) and never pings', async () => {
    const s = setup()
    s.state.running = false
    await s.liveness.learnAddrs(memberOf(peerB, ['/ip4/10.0.0.3/tcp/1']))
    expect(s.calls).toEqual(['merge'])
  })

  it('with only bad addresses, merges an empty list rather than throwing', async () => {
    const s = setup()
    await expect(s.liveness.learnAddrs(memberOf(peerB, ['garbage', '/nope/1']))).resolves.toBeUndefined()
    expect(s.merges).toEqual([{ peerId: peerB, multiaddrs: [] }])
  })
})
