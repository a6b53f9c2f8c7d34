/**
 * DNS discovery (a Kubernetes headless service) with a resolver the test
 * injects: a name's A and AAAA records are 127.0.0.1 and ::1, and two peers
 * listen on the same port on each, as two pods behind one service would.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { tcp } from '@libp2p/tcp'
import { createCache, createCacheOn } from '../../node/index.js'
import { FAST, LOOPBACK, waitFor, waitForMembership } from '../helpers/cluster.js'
import type { CacheOptions, MeshCache } from '../../node/index.js'

const portOf = (peer: MeshCache): number => Number(/\/ip4\/127\.0\.0\.1\/tcp\/(\d+)/.exec(peer.multiaddrs.join(' '))![1])

describe('/dnsaddr/ in bootstrap', () => {
  const peers: MeshCache[] = []
  afterEach(async () => {
    await Promise.allSettled(peers.splice(0).map(async p => p.stop()))
  })

  it('is resolved by libp2p (TXT records of _dnsaddr.<name>, here from the DNS given in libp2p options) and joined through', async () => {
    const mesh = `dnsaddr-${process.pid}`
    const seed = await createCache({ ...FAST, mesh, listen: LOOPBACK })
    peers.push(seed)
    const seedAddr = seed.multiaddrs.find(a => a.startsWith('/ip4/127.0.0.1/tcp/'))!
    const queried: string[] = []
    const dns = {
      query: async (domain: string) => {
        queried.push(domain)
        return {
          Status: 0, TC: false, RD: true, RA: true, AD: false, CD: false, Question: [],
          Answer: domain === '_dnsaddr.seeds.test' ? [{ name: domain, type: 16, TTL: 60, data: `dnsaddr=${seedAddr}` }] : []
        }
      }
    }
    const joiner = await createCache({ ...FAST, mesh, listen: LOOPBACK, bootstrap: [`/dnsaddr/seeds.test/p2p/${seed.peerId}`], libp2p: { dns: dns as never } })
    peers.push(joiner)
    await waitForMembership([seed, joiner], 10_000)
    expect(queried).toContain('_dnsaddr.seeds.test')
  })
})

describe('discovery.dns', () => {
  const peers: MeshCache[] = []
  afterEach(async () => {
    await Promise.allSettled(peers.splice(0).map(async p => p.stop()))
  })

  const start = async (options: CacheOptions): Promise<MeshCache> => {
    const peer = await createCache({ ...FAST, ...options })
    peers.push(peer)
    return peer
  }

  it('finds the peers a name resolves to, on the port given: a newcomer with no bootstrap joins them', async () => {
    const mesh = `dns-${process.pid}`
    const asked: string[] = []
    let records: string[] = []
    const resolve = async (name: string): Promise<string[]> => {
      asked.push(name)
      return name === 'meshcache.svc.test' ? records : []
    }
    // The first pod: the name lists only itself, so it starts alone.
    const a = await start({ mesh, listen: LOOPBACK, discovery: { dns: [], resolve } })
    const port = portOf(a)
    const discovery = { dns: [`meshcache.svc.test:${port}`], intervalMs: 200, resolve }
    records = ['127.0.0.1', '::1']
    const b = await start({ mesh, listen: [`/ip6/::1/tcp/${port}`], discovery })
    const c = await start({ mesh, listen: LOOPBACK, discovery })
    await waitForMembership([a, b, c], 10_000)
    expect(asked).toContain('meshcache.svc.test')
    await a.set('k', 'from a')
    expect(await c.get('k')).toBe('from a')
  })

  it('keeps resolving: two peers that started alone find each other once the name lists them', async () => {
    const mesh = `dns-merge-${process.pid}`
    let records: string[] = []
    const resolve = async (): Promise<string[]> => records
    const a = await start({ mesh, listen: LOOPBACK })
    const port = portOf(a)
    await a.stop()
    peers.splice(0)
    const discovery = { dns: [`pods.test:${port}`], intervalMs: 200, resolve }
    const first = await start({ mesh, listen: [`/ip4/127.0.0.1/tcp/${port}`], discovery })
    const second = await start({ mesh, listen: [`/ip6/::1/tcp/${port}`], discovery })
    expect((await first.status()).members).toHaveLength(1)
    expect((await second.status()).members).toHaveLength(1)
    records = ['127.0.0.1', '::1']
    await waitForMembership([first, second], 10_000)
  })

  it('starts alone when the resolver fails, and tries again each round', async () => {
    let calls = 0
    const resolve = async (): Promise<string[]> => {
      calls++
      throw new Error('SERVFAIL')
    }
    const peer = await start({ mesh: `dns-fail-${process.pid}`, listen: LOOPBACK, discovery: { dns: ['nowhere.test'], intervalMs: 100, resolve } })
    expect((await peer.status()).members).toHaveLength(1)
    await waitFor(() => calls >= 3, 5_000, 'more resolution rounds')
  })

  it('is refused, with the option named, on a platform with no resolver or no mDNS', async () => {
    const bare = { options: () => ({ transports: [tcp()], addresses: { listen: LOOPBACK } }) }
    await expect(createCacheOn(bare, { discovery: { dns: ['svc.test'] } })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('discovery.dns') })
    await expect(createCacheOn(bare, { discovery: { mdns: true } })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('discovery.mdns') })
  })

  it('refuses names that are not host names, ports out of range and unknown discovery options', async () => {
    for (const discovery of [{ dns: ['not a name'] }, { dns: ['svc.test:70000'] }, { dns: 'svc.test' }, { dsn: ['svc.test'] }, { dns: [], intervalMs: 5 }, { mdns: 'yes' }]) {
      await expect(createCache({ ...FAST, listen: LOOPBACK, discovery } as unknown as CacheOptions)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    }
  })
})
