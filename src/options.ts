import { ErrorCodes, MeshCacheError } from './errors.js'
import { DEFAULT_VIRTUAL_IDS } from './ownership/index.js'
import { parseDnsTarget } from './membership/discovery.js'
import { closestName } from './util/closest-name.js'
import { checkName, checkTtl } from './values.js'
import type { MeshServices } from './libp2p.js'
import type { ResolveDns } from './membership/discovery.js'
import type { Role } from './membership/member.js'
import type { Loader } from './operations/components.js'
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

export interface DiscoveryOptions {
  /**
   * Node only: DNS names whose A/AAAA records are peers (a Kubernetes
   * headless service), as `name` or `name:port` (default port 4001). Dialled
   * at start and every `intervalMs`; they only find peers, the secret still
   * decides who is a member.
   */
  dns?: string[]
  /** Node only: find peers on the local network by multicast DNS (service `_meshcache._udp.local`). Default false. */
  mdns?: boolean
  /** How often the names are resolved and new addresses dialled. Default 10 000 ms. */
  intervalMs?: number
  /** Resolves a name to IP addresses; default the platform's (Node: the system resolver). */
  resolve?: ResolveDns
}

/** The port a `discovery.dns` name without one is dialled on: the relay's default. */
export const DEFAULT_DNS_PORT = 4001

/** Not libp2p's `_p2p._udp.local`: a LAN's other libp2p nodes (IPFS, say) are none of ours to dial. */
export const MDNS_SERVICE_TAG = '_meshcache._udp.local'

/*
 * The names each level of options knows. Typed as records of the interfaces'
 * keys, so TypeScript flags a name missing here or one the interface lacks.
 */
const NEAR_CACHE_OPTIONS: Record<keyof NearCacheOptions, true> = { maxEntries: true, maxStalenessMs: true }
const LIMIT_OPTIONS: Record<keyof LimitOptions, true> = { maxInFlightPerPeer: true, maxInvalidationsPerSecond: true }
const DISCOVERY_OPTIONS: Record<keyof DiscoveryOptions, true> = { dns: true, mdns: true, intervalMs: true, resolve: true }

export interface CacheOptions {
  /** Mesh name; peers of other meshes are ignored. Default 'default'. */
  mesh?: string
  /** Multiaddrs of relay / seed peers (`/dnsaddr/` too); none = the first peer of a mesh. */
  bootstrap?: string[]
  /** Ways to find peers besides `bootstrap`. */
  discovery?: DiscoveryOptions
  /**
   * Keep the store written behind to a level database and the peer's
   * identity beside it, so a restart is warm and owns the same keys. Node:
   * `{ path }`, a directory. Browsers: `true`, IndexedDB (one database per
   * open tab of the origin; a reload takes its tab's back). Default off.
   */
  persist?: { path: string } | boolean
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

/** Every name of CacheOptions (the browser entry takes its own two out first). */
const CACHE_OPTIONS: Record<keyof CacheOptions, true> = {
  mesh: true,
  bootstrap: true,
  discovery: true,
  persist: true,
  listen: true,
  replicas: true,
  virtualIds: true,
  weight: true,
  role: true,
  nearCache: true,
  defaultTtlMs: true,
  maxValueBytes: true,
  heartbeatMs: true,
  missedHeartbeats: true,
  requestTimeoutMs: true,
  leaseTimeoutMs: true,
  secret: true,
  limits: true,
  libp2p: true
}

export interface KeyspaceOptions {
  /** Byte budget of this keyspace on each peer (least recently used entries go first). */
  maxBytes?: number
  /** Default TTL of writes to this keyspace. */
  ttlMs?: number
  /** Loader used by getOrLoad when the call gives none. */
  load?: Loader
  /** Negative caching: how long getOrLoad remembers that the loader found nothing. Default 0 (never). */
  missTtlMs?: number
  /** Stale-while-revalidate: how long past its TTL getOrLoad still serves a value while one asker refreshes it. Default 0. */
  staleMs?: number
}

const KEYSPACE_OPTIONS: Record<keyof KeyspaceOptions, true> = { maxBytes: true, ttlMs: true, load: true, missTtlMs: true, staleMs: true }

/** libp2p options to spread over meshcache's; extra services (a relay server, say) are merged in. */
export type Libp2pOverrides = Partial<Omit<Libp2pOptions<MeshServices>, 'services'>> & {
  services?: Record<string, (components: any) => unknown>
}

/** The secret is not in here: it is turned into a key once (createCacheOn) and kept nowhere else. */
export type ResolvedOptions = Required<Omit<CacheOptions, 'nearCache' | 'libp2p' | 'listen' | 'secret' | 'limits' | 'discovery' | 'persist'>> & {
  /** Off is undefined; which of the two a platform takes, the platform's entry checks. */
  persist?: { path: string } | true
  nearCache: Required<NearCacheOptions>
  discovery: Required<Omit<DiscoveryOptions, 'resolve'>> & Pick<DiscoveryOptions, 'resolve'>
  limits: Required<LimitOptions>
  libp2p: Libp2pOverrides
  listen?: string[]
}

const MAX_SECRET_BYTES = 1024

/**
 * Fills defaults and rejects, with ERR_INVALID_OPTION, out-of-range options
 * and unknown names at any level (but inside `libp2p`, libp2p's own options).
 */
export function resolveOptions (options: CacheOptions = {}): ResolvedOptions {
  checkObject(options, 'options', false)
  checkNames(options, CACHE_OPTIONS)
  checkObject(options.nearCache, 'nearCache', true)
  checkNames(options.nearCache, NEAR_CACHE_OPTIONS, 'nearCache.')
  checkObject(options.limits, 'limits', true)
  checkNames(options.limits, LIMIT_OPTIONS, 'limits.')
  checkObject(options.discovery, 'discovery', true)
  checkNames(options.discovery, DISCOVERY_OPTIONS, 'discovery.')
  // libp2p's own options: only the group is ours to check, not what is in it.
  checkObject(options.libp2p, 'libp2p', true)
  checkSecret(options.secret)
  const resolved: ResolvedOptions = {
    mesh: options.mesh ?? 'default',
    bootstrap: options.bootstrap ?? [],
    discovery: { dns: options.discovery?.dns ?? [], mdns: options.discovery?.mdns ?? false, intervalMs: options.discovery?.intervalMs ?? 10_000, resolve: options.discovery?.resolve },
    listen: options.listen,
    persist: options.persist === false ? undefined : options.persist,
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
  integer('limits.maxInFlightPerPeer', resolved.limits.maxInFlightPerPeer, 1, 1_000_000)
  integer('limits.maxInvalidationsPerSecond', resolved.limits.maxInvalidationsPerSecond, 1, 1_000_000_000)
  if (!(typeof resolved.weight === 'number' && resolved.weight > 0 && resolved.weight <= 1000)) {
    invalid('weight must be a number in (0, 1000]')
  }
  if (resolved.role !== 'owner' && resolved.role !== 'client') invalid("role must be 'owner' or 'client'")
  if (!Array.isArray(resolved.bootstrap) || !resolved.bootstrap.every(a => typeof a === 'string')) {
    invalid('bootstrap must be an array of multiaddr strings')
  }
  checkDiscovery(resolved.discovery)
  if (resolved.persist !== undefined && resolved.persist !== true) {
    if (typeof resolved.persist !== 'object' || resolved.persist === null || Array.isArray(resolved.persist)) invalid('persist must be { path } (Node) or a boolean (browsers)')
    checkNames(resolved.persist, { path: true }, 'persist.')
    if (typeof resolved.persist.path !== 'string' || resolved.persist.path === '') invalid('persist.path must be a directory path')
  }
  return resolved
}

function checkDiscovery ({ dns, mdns, intervalMs, resolve }: ResolvedOptions['discovery']): void {
  if (typeof mdns !== 'boolean') invalid('discovery.mdns must be a boolean')
  if (!Array.isArray(dns) || !dns.every(name => typeof name === 'string' && parseDnsTarget(name, DEFAULT_DNS_PORT) !== undefined)) {
    invalid('discovery.dns must be an array of host names, each as name or name:port (port 1-65535)')
  }
  integer('discovery.intervalMs', intervalMs, 100, 3_600_000)
  if (resolve !== undefined && typeof resolve !== 'function') invalid('discovery.resolve must be a function')
}

/**
 * Checks the options of `cache.keyspace(name, options)`: unknown names and
 * maxBytes are ERR_INVALID_OPTION, TTLs ERR_INVALID_TTL.
 */
export function checkKeyspaceOptions (options: unknown): void {
  if (options === undefined) return
  checkObject(options, 'keyspace options', false)
  checkNames(options, KEYSPACE_OPTIONS, '', 'keyspace option')
  const given = options as KeyspaceOptions
  for (const option of ['ttlMs', 'missTtlMs', 'staleMs'] as const) {
    if (given[option] !== undefined) checkTtl(given[option], option)
  }
  if (given.maxBytes !== undefined && !(Number.isSafeInteger(given.maxBytes) && given.maxBytes >= 1)) {
    invalid('maxBytes must be a positive integer')
  }
  if (given.load !== undefined && typeof given.load !== 'function') invalid('load must be a function')
}

/** A plain object (not an array), or also undefined and null (the defaults) when `optional`. */
function checkObject (group: unknown, what: string, optional: boolean): asserts group is object | undefined | null {
  if (group == null ? !optional : typeof group !== 'object' || Array.isArray(group)) invalid(`${what} must be an object`)
}

/**
 * Throws on the first name `known` lacks, naming the closest known one, or
 * all of them when none is close. Only names are echoed, never values.
 */
function checkNames (group: object | undefined | null, known: Record<string, true>, path = '', noun = 'option'): void {
  if (group == null) return
  const names = Object.keys(known)
  for (const name of Object.keys(group)) {
    if (Object.hasOwn(known, name)) continue
    const closest = closestName(name, names)
    invalid(closest !== undefined
      ? `unknown ${noun} "${path}${name}": did you mean "${path}${closest}"?`
      : `unknown ${noun} "${path}${name}"; the known ones are ${names.map(n => path + n).join(', ')}`)
  }
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
