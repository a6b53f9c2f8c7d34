/**
 * mDNS between two network namespaces joined by a veth pair (a LAN of two
 * hosts): two peers with `discovery: { mdns: true }` and no bootstrap find
 * each other and form one mesh; a third peer without mDNS stays alone. Runs
 * with the fault tests (the namespaces need root and `ip netns`, as CI has);
 * MESHCACHE_NETNS=0 skips it on purpose.
 */
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/cluster.js'
import { createNetnsPair, netnsUnavailable } from '../helpers/netns.js'
import { killAll, spawnPeer } from '../helpers/processes.js'
import type { CacheOptions } from '../../node/index.js'
import type { NetnsPair } from '../helpers/netns.js'

const skip = process.env.MESHCACHE_NETNS === '0'

describe.skipIf(skip)('discovery.mdns between two network namespaces', () => {
  let pair: NetnsPair | undefined
  beforeAll(() => {
    const why = netnsUnavailable()
    if (why != null) throw new Error(`the mDNS test needs root and \`ip netns\`: ${why}; set MESHCACHE_NETNS=0 to skip it knowingly`)
    pair = createNetnsPair(String(process.pid), '10.79.0')
    // Multicast leaves by the veth: a namespace has no default route to send it by.
    for (const side of [pair.a, pair.b]) {
      const route = spawnSync('ip', ['-n', side.ns, 'route', 'add', '224.0.0.0/4', 'dev', side.dev], { encoding: 'utf8' })
      if (route.status !== 0) throw new Error(`adding the multicast route failed: ${route.stderr}`)
    }
  })
  afterAll(async () => {
    await killAll()
    pair?.remove()
  })

  it('two peers with no bootstrap find each other on the link and form one mesh; one without mDNS stays alone', async () => {
    const { a, b } = pair!
    const base: CacheOptions = { mesh: `mdns-${process.pid}`, heartbeatMs: 200, missedHeartbeats: 5, requestTimeoutMs: 2_000 }
    const first = await spawnPeer({ ...base, listen: [`/ip4/${a.ip}/tcp/0`], discovery: { mdns: true } }, 20_000, a.exec)
    const loner = await spawnPeer({ ...base, listen: [`/ip4/${a.ip}/tcp/0`] }, 20_000, a.exec)
    const second = await spawnPeer({ ...base, listen: [`/ip4/${b.ip}/tcp/0`], discovery: { mdns: true } }, 20_000, b.exec)
    const started = Date.now()
    await waitFor(async () => {
      const views = await Promise.all([first, second].map(async p => (await p.call('members') as string[]).sort()))
      return views.every(view => view.join() === [first.peerId, second.peerId].sort().join())
    }, 15_000, 'the two mDNS peers to see each other')
    console.log(`mdns: two peers in two namespaces formed one mesh ${Date.now() - started} ms after the second started`)
    await first.call('set', 'k', 'over mdns')
    expect(await second.call('get', 'k')).toBe('over mdns')
    expect(await loner.call('members')).toEqual([loner.peerId])
  })
})
