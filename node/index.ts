// The polyfill must run before libp2p's modules are evaluated: keep it first.
import './polyfill.js'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { hash } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { createCacheOn } from '../src/index.js'
import { useTextHash } from '../src/ownership/ids.js'
import type { CacheOptions, MeshCache } from '../src/index.js'

export * from '../src/index.js'

useTextHash(text => hash('sha256', text, 'buffer'))

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws']

/** Starts a Node peer: TCP and WebSockets, listening on `listen`, and joins its mesh. */
export async function createCache (options: CacheOptions = {}): Promise<MeshCache> {
  return createCacheOn({
    options: resolved => ({
      // The circuit transport only dials: it reaches browser tabs through their relay.
      transports: [tcp(), webSockets(), circuitRelayTransport()],
      addresses: { listen: resolved.listen ?? DEFAULT_LISTEN }
    }),
    // getaddrinfo: a headless service's A and AAAA records, /etc/hosts as well.
    mdns: serviceTag => mdns({ serviceTag }),
    resolveDns: async name => (await lookup(name, { all: true })).map(found => found.address)
  }, options)
}
