import { describe, expect, it } from 'vitest'
import { composeGaters } from '../../../src/libp2p.js'
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const id = (name: string): PeerId => ({ toString: () => name }) as unknown as PeerId
const addr = (text: string): Multiaddr => ({ toString: () => text }) as unknown as Multiaddr

describe('composeGaters', () => {
  it("keeps the platform's hooks and adds the ban hooks: deny when any gater denies", async () => {
    const platform: ConnectionGater = { denyDialMultiaddr: async () => false }
    const ban: ConnectionGater = { denyDialPeer: peer => peer.toString() === 'bad' }
    const user: ConnectionGater = { denyDialPeer: async peer => peer.toString() === 'blocked' }
    const gater = composeGaters(platform, undefined, user, ban)
    expect(await gater.denyDialMultiaddr?.(addr('/ip4/10.0.0.1/tcp/1'))).toBe(false)
    expect(await gater.denyDialPeer?.(id('bad'))).toBe(true)
    expect(await gater.denyDialPeer?.(id('blocked'))).toBe(true)
    expect(await gater.denyDialPeer?.(id('fine'))).toBe(false)
    // Hooks no gater has stay absent, so libp2p's defaults apply to them.
    expect(gater.denyInboundConnection).toBeUndefined()
  })

  it('keeps an address only when every filterMultiaddrForPeer keeps it', async () => {
    const gater = composeGaters(
      { filterMultiaddrForPeer: async (_peer, ma) => !ma.toString().includes('/ws') },
      { filterMultiaddrForPeer: (_peer, ma) => !ma.toString().includes('10.') }
    )
    expect(await gater.filterMultiaddrForPeer?.(id('p'), addr('/ip4/1.2.3.4/tcp/1'))).toBe(true)
    expect(await gater.filterMultiaddrForPeer?.(id('p'), addr('/ip4/1.2.3.4/tcp/1/ws'))).toBe(false)
    expect(await gater.filterMultiaddrForPeer?.(id('p'), addr('/ip4/10.0.0.1/tcp/1'))).toBe(false)
  })

  it('is empty without gaters', () => {
    expect(composeGaters(undefined, undefined)).toEqual({})
  })
})
