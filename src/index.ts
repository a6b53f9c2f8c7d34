/**
 * meshcache's public API. Platform entries (node/, browser/) add
 * `createCache`, which builds the libp2p node for their platform.
 */
import { defaultLogger } from '@libp2p/logger'
import { Access } from './access/access.js'
import { banGater } from './access/gater.js'
import { macWith } from './access/handshake.js'
import { deriveKey } from './access/key.js'
import { Penalties } from './access/penalties.js'
import { MeshCache } from './cache.js'
import { buildParts } from './parts.js'
import { gossipMacWith } from './util/envelope.js'
import { createMeshNode } from './libp2p.js'
import { MDNS_SERVICE_TAG, resolveOptions } from './options.js'
import { ErrorCodes, MeshCacheError } from './errors.js'
import { closeQuietly } from './persist/database.js'
import type { MeshNode, PlatformOptions } from './libp2p.js'
import type { ResolveDns } from './membership/discovery.js'
import type { PersistDb } from './persist/persister.js'
import type { CacheOptions, ResolvedOptions } from './options.js'

export { MeshCache } from './cache.js'
export type { CacheStatus, MemberStatus, KeyspaceOptions, InvalidateDetail, MemberLeaveDetail } from './cache.js'
export { Keyspace } from './keyspace.js'
export type { SetOptions, GetOrLoadOptions, SetManyEntry } from './keyspace.js'
export type { CacheOptions, NearCacheOptions, LimitOptions, DiscoveryOptions } from './options.js'
export type { ResolveDns } from './membership/discovery.js'
export type { AccessStatus } from './access/access.js'
export type { Loader } from './operations/components.js'
export type { Value, JsonValue } from './values.js'
export type { Member, Role, LeaveReason } from './membership/member.js'
export type { PlatformOptions, MeshNode } from './libp2p.js'
export { MeshCacheError, ErrorCodes, isMeshCacheError } from './errors.js'
export type { ErrorCode } from './errors.js'
export { PROTOCOL } from './protocol/rpc.js'

/** What a platform entry (node/, browser/) supplies. */
export interface Platform {
  /** Transports, addresses and gating of this platform. */
  options: (options: ResolvedOptions) => PlatformOptions
  /** Runs once the bootstrap peers are connected, before the join. */
  beforeJoin?: (node: MeshNode) => Promise<void>
  /** Runs once the cache has joined. */
  started?: (cache: MeshCache) => void
  /** The platform's resolver for `discovery.dns`; without one, dns names are refused. */
  resolveDns?: ResolveDns
  /** The database `persist` opened (the Node entry opens it); the cache closes it when it stops. */
  persist?: PersistDb
  /** The platform's mDNS discovery service for `discovery.mdns`; without one, mdns is refused. */
  mdns?: (serviceTag: string) => NonNullable<PlatformOptions['peerDiscovery']>[number]
}

/**
 * Starts a peer on the given platform and joins its mesh. The platform entries
 * call this; applications call their `createCache`.
 */
export async function createCacheOn (platform: Platform, options: CacheOptions = {}): Promise<MeshCache> {
  let cache: MeshCache
  try {
    cache = await build(platform, options)
  } catch (err) {
    // Until a cache holds it, the database the platform opened is closed here; after, by the cache's stop().
    if (platform.persist !== undefined) await closeQuietly(platform.persist, options.libp2p?.logger ?? defaultLogger())
    throw err
  }
  try {
    await cache.start(platform.beforeJoin != null ? async () => platform.beforeJoin!(cache.libp2p) : undefined)
    platform.started?.(cache)
  } catch (err) {
    // The start's own error is the one to report; a failed clean-up only gets a line.
    await cache.stop().catch((stopErr: Error) => { cache.libp2p.logger.forComponent('meshcache:cache').error('stopping after a failed start: %e', stopErr) })
    throw err
  }
  return cache
}

async function build (platform: Platform, options: CacheOptions): Promise<MeshCache> {
  const resolved = resolveOptions(options)
  resolved.discovery.resolve ??= platform.resolveDns
  if (resolved.discovery.dns.length > 0 && resolved.discovery.resolve === undefined) {
    throw new MeshCacheError(ErrorCodes.INVALID_OPTION, 'discovery.dns needs a resolver: this platform has none (give discovery.resolve, or use Node)')
  }
  if (resolved.persist !== undefined && platform.persist === undefined) {
    throw new MeshCacheError(ErrorCodes.INVALID_OPTION, 'persist needs a database: this platform opened none')
  }
  if (resolved.discovery.mdns && platform.mdns === undefined) {
    throw new MeshCacheError(ErrorCodes.INVALID_OPTION, 'discovery.mdns is for Node peers: this platform has no mDNS')
  }
  // The secret becomes a key here and lives on only inside the MACs' closures (handshake, gossip).
  const key = options.secret !== undefined ? await deriveKey(options.secret, resolved.mesh) : undefined
  const mac = key != null ? macWith(key) : undefined
  const gossipMac = key != null ? gossipMacWith(key) : undefined
  const access = new Access({
    mesh: resolved.mesh,
    mac,
    timeoutMs: resolved.requestTimeoutMs,
    penalties: new Penalties(),
    maxInvalidationsPerSecond: resolved.limits.maxInvalidationsPerSecond
  })
  const platformOptions = platform.options(resolved)
  if (resolved.discovery.mdns) platformOptions.peerDiscovery = [...(platformOptions.peerDiscovery ?? []), platform.mdns!(MDNS_SERVICE_TAG)]
  const node = await createMeshNode(resolved.mesh, platformOptions, resolved.libp2p, {
    score: peer => access.score(peer),
    gater: banGater(peer => access.banned(peer))
  })
  return new MeshCache(buildParts(node, resolved, access, gossipMac, platform.persist))
}
