import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { defaultLogger } from '@libp2p/logger'
import { createCache } from './index.js'
import { loadOrCreateKey } from './identity.js'
import type { CacheOptions, MeshCache } from '../src/index.js'

export interface RelayOptions extends CacheOptions {
  /** Where the relay keeps its private key; created on first start. Without it, a new identity each start. */
  keyFile?: string
  /** Browser tabs that may hold a reservation at once. Default 1000 (libp2p's default is 15). */
  maxReservations?: number
}

/** Fixed ports by default, so the bootstrap address stays the same across restarts. */
export const RELAY_LISTEN = ['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/tcp/4002/ws']

/**
 * A limit no relayed connection reaches (24.8 days, the longest timer Node
 * sets; 9 PB), given only so that tabs see their relayed connections as
 * "limited": gossipsub then stays off them (src/libp2p.ts) and runs on the
 * direct WebRTC ones, while meshcache's requests run on both.
 */
const UNREACHED_LIMIT = { defaultDurationLimit: 2 ** 31 - 1, defaultDataLimit: BigInt(Number.MAX_SAFE_INTEGER) }

/**
 * The bootstrap relay: a full cache peer that also runs the circuit relay
 * server, so browser tabs can reach the mesh and each other. Tabs serve keys
 * over relayed connections until they have upgraded to direct WebRTC; their
 * gossip goes through the relay as a gossipsub peer meanwhile. With `secret`, the relay is
 * a member like any other: tabs prove the secret to it, and it refuses
 * reservations to peers it has banned.
 */
export async function startRelay (options: RelayOptions = {}): Promise<MeshCache> {
  const { keyFile, maxReservations = 1000, ...cacheOptions } = options
  // The logger the node will have (libp2p's default unless the options name one); the node does not exist yet.
  const logger = cacheOptions.libp2p?.logger ?? defaultLogger()
  const privateKey = keyFile != null ? await loadOrCreateKey(keyFile, { logger }) : undefined
  const hops = Math.max(1000, maxReservations)
  const cache = await createCache({
    ...cacheOptions,
    listen: cacheOptions.listen ?? RELAY_LISTEN,
    libp2p: {
      ...cacheOptions.libp2p,
      ...(privateKey != null ? { privateKey } : {}),
      services: {
        ...cacheOptions.libp2p?.services,
        relay: circuitRelayServer({
          reservations: { maxReservations, applyDefaultLimit: true, ...UNREACHED_LIMIT },
          maxInboundHopStreams: hops,
          maxOutboundHopStreams: hops,
          maxOutboundStopStreams: hops
        })
      }
    }
  })
  cache.libp2p.logger.forComponent('meshcache:relay')('relay %p: up to %d reservations, dialable at %s',
    cache.libp2p.peerId, maxReservations, cache.multiaddrs.join(' '))
  return cache
}
