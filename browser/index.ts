import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { isPrivate } from '@libp2p/utils/multiaddr/is-private'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createCacheOn } from '../src/index.js'
import type { CacheOptions, MeshCache } from '../src/index.js'

export * from '../src/index.js'

export interface BrowserCacheOptions extends CacheOptions {
  /** STUN/TURN servers for WebRTC between tabs. Default none (loopback and LAN). */
  iceServers?: RTCIceServer[]
}

/**
 * Starts a browser peer: it dials its bootstrap relay over WebSockets, is
 * reachable through the relay's circuit, and talks to other tabs over WebRTC.
 */
export async function createCache (options: BrowserCacheOptions = {}): Promise<MeshCache> {
  const { iceServers = [], ...rest } = options
  return createCacheOn(() => ({
    transports: [webSockets(), webRTC({ rtcConfiguration: { iceServers } }), circuitRelayTransport()],
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    // Browsers refuse private addresses by default; a private bootstrap means
    // development on one machine or LAN, where they are the only ones there are.
    connectionGater: privateBootstrap(rest.bootstrap ?? []) ? { denyDialMultiaddr: async () => false } : undefined
  }), rest)
}

function privateBootstrap (bootstrap: string[]): boolean {
  return bootstrap.some(addr => {
    try { return isPrivate(multiaddr(addr)) } catch { return false }
  })
}
