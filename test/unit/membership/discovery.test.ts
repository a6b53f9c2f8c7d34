import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { DnsDiscovery, FoundPeers, parseDnsTarget } from '../../../src/membership/discovery.js'
import type { DnsDiscoveryComponents } from '../../../src/membership/discovery.js'

describe('parseDnsTarget', () => {
  it('reads name and name:port, the port defaulting', () => {
    expect(parseDnsTarget('meshcache.default.svc.cluster.local', 4001)).toEqual({ name: 'meshcache.default.svc.cluster.local', port: 4001 })
    expect(parseDnsTarget('peers:7000', 4001)).toEqual({ name: 'peers', port: 7000 })
    for (const bad of ['', 'a b', '-peers', 'peers:', 'peers:0', 'peers:65536', 'http://peers', '[::1]:4001']) expect(parseDnsTarget(bad, 4001)).toBeUndefined()
  })
})

function setup (records: string[]): { discovery: DnsDiscovery, dialled: string[], connected: Set<string> } {
  const dialled: string[] = []
  const connected = new Set<string>()
  const components: DnsDiscoveryComponents = {
    self: 'me',
    dial: async addr => {
      dialled.push(addr.toString())
      const peer = addr.toString().includes('::1') ? 'peer-6' : 'peer-4'
      connected.add(peer)
      return { remotePeer: { toString: () => peer } } as never
    },
    connected: peer => connected.has(peer),
    ownAddresses: () => ['/ip4/10.0.0.9/tcp/4001/p2p/me'],
    resolve: async () => records,
    logger: defaultLogger()
  }
  return { discovery: new DnsDiscovery(components, { names: ['svc.test'], defaultPort: 4001, intervalMs: 20, timeoutMs: 1000 }), dialled, connected }
}

describe('DnsDiscovery', () => {
  it('dials every address but its own, and resolves with the peers reached', async () => {
    const { discovery, dialled } = setup(['10.0.0.1', '10.0.0.9', '::1'])
    expect((await discovery.start()).sort()).toEqual(['peer-4', 'peer-6'])
    discovery.stop()
    expect(dialled.sort()).toEqual(['/ip4/10.0.0.1/tcp/4001', '/ip6/::1/tcp/4001'])
  })

  it('dials an address again only once its peer is no longer connected, and not after stop()', async () => {
    const { discovery, dialled, connected } = setup(['10.0.0.1'])
    await discovery.start()
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(dialled).toHaveLength(1)
    connected.clear()
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(dialled).toHaveLength(2)
    discovery.stop()
    connected.clear()
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(dialled).toHaveLength(2)
  })
})

describe('FoundPeers', () => {
  it('dials a found peer unless it is this one, connected, or already being dialled; a failed dial may be tried again', async () => {
    const dialled: string[] = []
    let fail = true
    const found = new FoundPeers({
      self: 'me',
      dial: async peer => {
        dialled.push(peer)
        await new Promise(resolve => setTimeout(resolve, 10))
        if (fail) throw new Error('refused')
      },
      connected: peer => peer === 'linked',
      logger: defaultLogger()
    })
    for (const peer of ['me', 'linked', 'new', 'new']) found.found(peer)
    expect(dialled).toEqual(['new'])
    await new Promise(resolve => setTimeout(resolve, 30))
    fail = false
    found.found('new')
    expect(dialled).toEqual(['new', 'new'])
  })
})
