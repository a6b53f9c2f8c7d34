import { describe, expect, it } from 'vitest'
import { banGater } from '../../../src/access/gater.js'
import type { PeerId } from '@libp2p/interface'

const id = (name: string): PeerId => ({ toString: () => name }) as unknown as PeerId

describe('banGater', () => {
  it('refuses a banned peer every way it could come back, and no one else', async () => {
    const gater = banGater(peer => peer === 'bad')
    const maConn = {} as any
    for (const [peer, denied] of [['bad', true], ['good', false]] as const) {
      expect(await gater.denyDialPeer?.(id(peer))).toBe(denied)
      expect(await gater.denyInboundEncryptedConnection?.(id(peer), maConn)).toBe(denied)
      expect(await gater.denyOutboundEncryptedConnection?.(id(peer), maConn)).toBe(denied)
      expect(await gater.denyInboundRelayReservation?.(id(peer))).toBe(denied)
      expect(await gater.denyOutboundRelayedConnection?.(id(peer), id('good'))).toBe(denied)
      expect(await gater.denyOutboundRelayedConnection?.(id('good'), id(peer))).toBe(denied)
      expect(await gater.denyInboundRelayedConnection?.(id('relay'), id(peer))).toBe(denied)
    }
  })
})
