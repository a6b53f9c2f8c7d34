/**
 * meshcache's public API. Platform entries (node/, browser/) add
 * `createCache`, which builds the libp2p node for their platform.
 */
import { MeshCache } from './cache.js'
import { createMeshNode } from './libp2p.js'
import { resolveOptions } from './options.js'
import type { PlatformOptions } from './libp2p.js'
import type { CacheOptions } from './options.js'

export { MeshCache } from './cache.js'
export type { CacheStatus, MemberStatus, KeyspaceOptions, InvalidateDetail, MemberLeaveDetail } from './cache.js'
export { Keyspace } from './keyspace.js'
export type { SetOptions, GetOrLoadOptions, SetManyEntry } from './keyspace.js'
export type { CacheOptions, NearCacheOptions } from './options.js'
export type { Loader } from './operations/context.js'
export type { Value, JsonValue } from './values.js'
export type { Member, Role, LeaveReason } from './membership/member.js'
export type { PlatformOptions, MeshNode } from './libp2p.js'
export { MeshCacheError, ErrorCodes, isMeshCacheError } from './errors.js'
export type { ErrorCode } from './errors.js'
export { PROTOCOL } from './protocol/rpc.js'

/**
 * Starts a peer on the given platform and joins its mesh. The platform entries
 * call this; applications call their `createCache`.
 */
export async function createCacheOn (platform: (options: ReturnType<typeof resolveOptions>) => PlatformOptions, options: CacheOptions = {}): Promise<MeshCache> {
  const resolved = resolveOptions(options)
  const node = await createMeshNode(resolved.mesh, platform(resolved), resolved.libp2p)
  const cache = new MeshCache(node, resolved)
  try {
    await cache.start()
  } catch (err) {
    await cache.stop().catch(() => {})
    throw err
  }
  return cache
}
