import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { isPrivate } from '@libp2p/utils/multiaddr/is-private'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createCacheOn } from '../src/index.js'
import { handOffOnPageHide } from './page-lifecycle.js'
import { waitForRelayAddress } from './reservation.js'
import { upgradeToWebRTC } from './webrtc-upgrade.js'
import type { CacheOptions, MeshCache } from '../src/index.js'

export * from '../src/index.js'

/**
 * How long a tab's relay reservation may take. libp2p gives up after 2 s, and
 * a reservation that failed is not tried again while the relay stays
 * connected: 8 tabs joining on 2 cores took longer, and the tabs left without
 * one announced no address for the rest of the test.
 */
const RESERVATION_TIMEOUT_MS = 15_000

export interface BrowserCacheOptions extends CacheOptions {
  /** STUN/TURN servers for WebRTC between tabs. Default none (one machine or a LAN). */
  iceServers?: RTCIceServer[]
  /** Upgrade tab-to-tab connections from relayed to direct WebRTC. Default true. */
  webRTC?: boolean
}

/**
 * Starts a browser peer: it dials its bootstrap relay over WebSockets, takes
 * a reservation there so others can reach it through the relay's circuit, and
 * then upgrades each tab-to-tab connection to direct WebRTC.
 */
export async function createCache (options: BrowserCacheOptions = {}): Promise<MeshCache> {
  const { iceServers = [], webRTC: upgrade = true, ...rest } = options
  return createCacheOn({
    options: () => ({
      transports: [webSockets(), webRTC({ rtcConfiguration: { iceServers } }), circuitRelayTransport({ reservationCompletionTimeout: RESERVATION_TIMEOUT_MS })],
      addresses: { listen: ['/p2p-circuit', '/webrtc'] },
      // Browsers refuse private addresses by default; a private bootstrap means
      // development on one machine or a LAN, where they are the only ones there are.
      connectionGater: privateBootstrap(rest.bootstrap ?? []) ? { denyDialMultiaddr: async () => false } : undefined
    }),
    dhtClient: true,
    beforeJoin: async node => { await waitForRelayAddress(node, rest.requestTimeoutMs ?? 5_000) },
    started: cache => {
      if (upgrade) upgradeToWebRTC(cache)
      handOffOnPageHide(cache)
    }
  }, rest)
}

function privateBootstrap (bootstrap: string[]): boolean {
  return bootstrap.some(addr => {
    try { return isPrivate(multiaddr(addr)) } catch { return false }
  })
}
