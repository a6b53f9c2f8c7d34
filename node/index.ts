// The polyfill must run before libp2p's modules are evaluated: keep it first.
import './polyfill.js'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { hash } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { defaultLogger } from '@libp2p/logger'
import { ErrorCodes, MeshCacheError, createCacheOn } from '../src/index.js'
import { resolveOptions } from '../src/options.js'
import { openStore } from './persist.js'
import { useTextHash } from '../src/ownership/ids.js'
import { useNativeUtf8 } from '../src/util/utf8.js'
import type { CacheOptions, MeshCache } from '../src/index.js'

export * from '../src/index.js'

useTextHash(text => hash('sha256', text, 'buffer'))
// Buffer's methods take any Uint8Array as `this`: no Buffer is made per call.
const utf8Write = Buffer.prototype.utf8Write
useNativeUtf8({ byteLength: text => Buffer.byteLength(text), write: (text, into, at, bytes) => { utf8Write.call(into, text, at, bytes) } })

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws']

/**
 * Starts a Node peer: TCP and WebSockets, listening on `listen`, and joins
 * its mesh. With `persist`, its directory is opened first (node/persist.ts):
 * the store loads from it and the peer takes the identity kept there.
 */
export async function createCache (options: CacheOptions = {}): Promise<MeshCache> {
  // Options are checked before the directory is touched: a bad one leaves nothing behind.
  const { persist } = resolveOptions(options)
  if (persist === true) throw new MeshCacheError(ErrorCodes.INVALID_OPTION, 'persist: true is for browsers (IndexedDB): a Node peer takes persist: { path }, a directory')
  const opened = persist !== undefined ? await openStore(persist.path, options.libp2p?.logger ?? defaultLogger()) : undefined
  return createCacheOn({
    options: resolved => ({
      // The circuit transport only dials: it reaches browser tabs through their relay.
      transports: [tcp(), webSockets(), circuitRelayTransport()],
      addresses: { listen: resolved.listen ?? DEFAULT_LISTEN }
    }),
    mdns: serviceTag => mdns({ serviceTag }),
    // getaddrinfo: a headless service's A and AAAA records, /etc/hosts as well.
    resolveDns: async name => (await lookup(name, { all: true })).map(found => found.address),
    persist: opened?.db
  }, opened === undefined ? options : { ...options, libp2p: { privateKey: opened.privateKey, ...options.libp2p } })
}
