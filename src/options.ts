import { ErrorCodes, MeshCacheError } from './errors.js'
import { DEFAULT_VIRTUAL_IDS } from './ownership/index.js'
import { checkName } from './values.js'
import type { MeshServices } from './libp2p.js'
import type { Role } from './membership/member.js'
import type { Libp2pOptions } from 'libp2p'

export interface NearCacheOptions {
  /** Copies kept of other owners' entries; 0 turns the near cache off. Default 10 000. */
  maxEntries?: number
  /** Longest a copy is served without fresh word from its owner. Default 5 000 ms. */
  maxStalenessMs?: number
}

export interface LimitOptions {
  /** Requests one peer may have in flight to this one; more is misbehaviour, and ours queue past it. Default 1024. */
  maxInFlightPerPeer?: number
  /** Invalidated keys one owner may announce per second (2 s of burst); more is misbehaviour. Default 500 000. */
  maxInvalidationsPerSecond?: number
}

export interface CacheOptions {
  /** Mesh name; peers of other meshes are ignored. Default 'default'. */
  mesh?: string
  /** Multiaddrs of relay / seed peers; none = the first peer of a mesh. */
  bootstrap?: string[]
  /** Node only: addresses to listen on. Default /ip4/0.0.0.0/tcp/0 and /ip4/0.0.0.0/tcp/0/ws. */
  listen?: string[]
  /** Owners per key, 1..5. Default 2. */
  replicas?: number
  /** Kademlia ids per owner; 1 = exactly kad-dht's closest peers. Default from bench/balance.ts. */
  virtualIds?: number
  /** Relative share of keys this peer takes. Default 1. */
  weight?: number
  /** 'client' peers keep a near cache but own no keys. Default 'owner'. */
  role?: Role
  nearCache?: NearCacheOptions
  /** TTL of writes that give none and whose keyspace has none; 0 = no expiry. Default 0. */
  defaultTtlMs?: number
  /** Largest value, encoded. Default 1 MiB. */
  maxValueBytes?: number
  /** Membership heartbeat period. Default 1 000 ms. */
  heartbeatMs?: number
  /** Heartbeats a member may miss before it is dead. Default 3. */
  missedHeartbeats?: number
  /** Timeout of each request to a peer. Default 5 000 ms. */
  requestTimeoutMs?: number
  /** Time a getOrLoad lease holder has to fill the key before the lease passes on. Default 10 000 ms. */
  leaseTimeoutMs?: number
  /**
   * Mesh secret: only peers that prove they hold it (a handshake bound to both
   * peer ids) are members, are served, and are heard. Every peer of the mesh
   * needs the same one. Use a high-entropy value (e.g. 32 random bytes).
   */
  secret?: string | Uint8Array
  /** Bounds on what one peer may make this one do. */
  limits?: LimitOptions
  /** Extra libp2p options, spread over meshcache's own (services are merged). */
  libp2p?: Libp2pOverrides
}

/** libp2p options to spread over meshcache's; extra services (a relay server, say) are merged in. */
export type Libp2pOverrides = Partial<Omit<Libp2pOptions<MeshServices>, 'services'>> & {
  services?: Record<string, (components: any) => unknown>
}

/** The secret is not in here: it is turned into a key once (createCacheOn) and kept nowhere else. */
export type ResolvedOptions = Required<Omit<CacheOptions, 'nearCache' | 'libp2p' | 'listen' | 'secret' | 'limits'>> & {
  nearCache: Required<NearCacheOptions>
  limits: Required<LimitOptions>
  libp2p: Libp2pOverrides
  listen?: string[]
}

const MAX_SECRET_BYTES = 1024

/** Fills defaults and rejects out-of-range options with ERR_INVALID_OPTION. */
export function resolveOptions (options: CacheOptions = {}): ResolvedOptions {
  checkSecret(options.secret)
  const resolved: ResolvedOptions = {
    mesh: options.mesh ?? 'default',
    bootstrap: options.bootstrap ?? [],
    listen: options.listen,
    replicas: options.replicas ?? 2,
    virtualIds: options.virtualIds ?? DEFAULT_VIRTUAL_IDS,
    weight: options.weight ?? 1,
    role: options.role ?? 'owner',
    nearCache: { maxEntries: options.nearCache?.maxEntries ?? 10_000, maxStalenessMs: options.nearCache?.maxStalenessMs ?? 5_000 },
    defaultTtlMs: options.defaultTtlMs ?? 0,
    maxValueBytes: options.maxValueBytes ?? 1024 * 1024,
    heartbeatMs: options.heartbeatMs ?? 1_000,
    missedHeartbeats: options.missedHeartbeats ?? 3,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    leaseTimeoutMs: options.leaseTimeoutMs ?? 10_000,
    limits: {
      maxInFlightPerPeer: options.limits?.maxInFlightPerPeer ?? 1024,
      maxInvalidationsPerSecond: options.limits?.maxInvalidationsPerSecond ?? 500_000
    },
    libp2p: options.libp2p ?? {}
  }
  checkName(resolved.mesh, 'mesh')
  integer('replicas', resolved.replicas, 1, 5)
  integer('virtualIds', resolved.virtualIds, 1, 4096)
  integer('nearCache.maxEntries', resolved.nearCache.maxEntries, 0, 100_000_000)
  integer('nearCache.maxStalenessMs', resolved.nearCache.maxStalenessMs, 0, 86_400_000)
  integer('defaultTtlMs', resolved.defaultTtlMs, 0, Number.MAX_SAFE_INTEGER)
  integer('maxValueBytes', resolved.maxValueBytes, 1, 64 * 1024 * 1024)
  integer('heartbeatMs', resolved.heartbeatMs, 10, 60_000)
  integer('missedHeartbeats', resolved.missedHeartbeats, 1, 100)
  integer('requestTimeoutMs', resolved.requestTimeoutMs, 1, 600_000)
  integer('leaseTimeoutMs', resolved.leaseTimeoutMs, 1, 600_000)
  if (options.limits != null && typeof options.limits !== 'object') invalid('limits must be an object')
  integer('limits.maxInFlightPerPeer', resolved.limits.maxInFlightPerPeer, 1, 1_000_000)
  integer('limits.maxInvalidationsPerSecond', resolved.limits.maxInvalidationsPerSecond, 1, 1_000_000_000)
  if (!(typeof resolved.weight === 'number' && resolved.weight > 0 && resolved.weight <= 1000)) {
    invalid('weight must be a number in (0, 1000]')
  }
  if (resolved.role !== 'owner' && resolved.role !== 'client') invalid("role must be 'owner' or 'client'")
  if (!Array.isArray(resolved.bootstrap) || !resolved.bootstrap.every(a => typeof a === 'string')) {
    invalid('bootstrap must be an array of multiaddr strings')
  }
  return resolved
}

/** Never echoes the value: an error message may end up in a log. */
function checkSecret (secret: unknown): void {
  if (secret === undefined) return
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret).byteLength : secret instanceof Uint8Array ? secret.byteLength : -1
  if (bytes < 1 || bytes > MAX_SECRET_BYTES) invalid(`secret must be a non-empty string or Uint8Array of at most ${MAX_SECRET_BYTES} bytes`)
}

function integer (name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${name} must be an integer from ${min} to ${max} (got ${String(value)})`)
  }
}

function invalid (message: string): never {
  throw new MeshCacheError(ErrorCodes.INVALID_OPTION, message)
}
