import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { defaultLogger } from '@libp2p/logger'
import { isPrivate } from '@libp2p/utils/multiaddr/is-private'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { ErrorCodes, MeshCacheError, createCacheOn } from '../src/index.js'
import { resolveOptions } from '../src/options.js'
import { handOffOnPageHide } from './page-lifecycle.js'
import { waitForRelayAddress } from './reservation.js'
import { upgradeToWebRTC } from './webrtc-upgrade.js'
import type { CacheOptions, MeshCache } from '../src/index.js'
import type { Logger } from '@libp2p/interface'

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
  // The logger the node will have (libp2p's default unless the options name one); some lines come before the node.
  const logger = rest.libp2p?.logger ?? defaultLogger()
  const log = logger.forComponent('meshcache:browser')
  // Options are checked before a store is taken: a bad one leaves nothing behind.
  const { persist, mesh } = resolveOptions(rest)
  if (persist !== undefined && persist !== true) throw new MeshCacheError(ErrorCodes.INVALID_OPTION, 'a browser peer persists to IndexedDB: persist: true (persist: { path } is for Node)')
  // Loaded only when asked for: level and IndexedDB's code are 36 kB of gzip that a tab without persist does not fetch.
  const opened = persist === true ? await (await import('./persist.js')).openTabStore(mesh, logger) : undefined
  return createCacheOn({
    options: () => {
      const privateAddrs = privateBootstrap(rest.bootstrap ?? [], log)
      log('tab: WebRTC upgrade %s, private addresses %s', upgrade ? 'on' : 'off', privateAddrs ? 'allowed (private bootstrap)' : 'denied')
      return {
        transports: [webSockets(), webRTC({ rtcConfiguration: { iceServers } }), circuitRelayTransport({ reservationCompletionTimeout: RESERVATION_TIMEOUT_MS })],
        addresses: { listen: ['/p2p-circuit', '/webrtc'] },
        // Browsers refuse private addresses by default; a private bootstrap means
        // development on one machine or a LAN, where they are the only ones there are.
        connectionGater: privateAddrs ? { denyDialMultiaddr: async () => false } : undefined
      }
    },
    beforeJoin: async node => { await waitForRelayAddress(node, rest.requestTimeoutMs ?? 5_000, log) },
    started: cache => {
      if (upgrade) upgradeToWebRTC(cache, log)
      handOffOnPageHide(cache, log)
    },
    persist: opened?.db
  }, opened === undefined ? rest : { ...rest, libp2p: { privateKey: opened.privateKey, ...rest.libp2p } })
}

function privateBootstrap (bootstrap: string[], log: Logger): boolean {
  return bootstrap.some(addr => {
    try {
      return isPrivate(multiaddr(addr))
    } catch (err) {
      // The join reports a bootstrap address it cannot dial.
      log.trace('bootstrap address %s does not parse: %s', addr, (err as Error).message)
      return false
    }
  })
}
