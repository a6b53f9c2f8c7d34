import { ErrorCodes, MeshCacheError } from '../errors.js'
import { Op } from '../protocol/frame.js'
import { MISS_MARKER, encodeValue, entryId } from '../values.js'
import { applyWrite } from './apply.js'
import { call, expiryFor } from './context.js'
import { fromWire, isStale, toWire } from './entries.js'
import { toAllOwners } from './fan-out.js'
import type { Context, Loader } from './context.js'
import type { Frame } from '../protocol/frame.js'
import type { StoredEntry } from '../store/index.js'

/**
 * Owner: the value, or a lease to load it, or a wait for whoever holds the
 * lease. A stale value (keyspace `staleMs`) is served at once, and the first
 * asker able to load gets a lease to refresh it in the background.
 */
export async function handleLease (ctx: Context, frame: Frame, peer: string): Promise<Partial<Frame>> {
  const key = keyOf(frame)
  const id = entryId(frame.keyspace, key)
  const entry = ctx.store.get(frame.keyspace, key)
  if (entry == null) return ctx.leases.acquire(id, peer, frame.canLoad, frame.waitMs)
  const reply: Partial<Frame> = { entries: [toWire(frame.keyspace, key, entry)] }
  if (isStale(entry, ctx.now()) && frame.canLoad) {
    const lease = ctx.leases.tryGrant(id, peer)
    if (lease != null) reply.lease = lease
  }
  return reply
}

/**
 * Owner: the lease holder reports its load. The owner writes the value to
 * every owner of the key, then answers all waiters — with the loader's error
 * when it threw. A fill for a lease that already passed on, or from a peer
 * that does not hold it, is dropped.
 */
export async function handleFill (ctx: Context, frame: Frame, peer: string): Promise<Partial<Frame>> {
  const key = keyOf(frame)
  const id = entryId(frame.keyspace, key)
  if (!ctx.leases.holds(id, frame.lease, peer)) return {}
  const version = ctx.leases.versionOf(id) ?? ctx.clock.tick()
  if (frame.errorCode !== '') {
    const code = frame.errorCode === ErrorCodes.TIMEOUT ? ErrorCodes.TIMEOUT : ErrorCodes.LOADER_FAILED
    ctx.leases.fail(id, new MeshCacheError(code, frame.errorMessage))
    return {}
  }
  const loaded = frame.entries[0]
  if (loaded == null) {
    ctx.leases.fill(id, {})
    return {}
  }
  // The version stamped at grant: a set or delete made while the loader ran is
  // newer, so the owners keep it and the loaded (possibly older) value loses.
  const entry = { ...loaded, keyspace: frame.keyspace, key, version }
  try {
    await toAllOwners(ctx, frame.keyspace, [key], () => ({ op: Op.SET, view: ctx.viewId(), entries: [entry] }))
  } catch {
    // The other owners are out of reach: keep the value here at least.
    applyWrite(ctx, frame.keyspace, key, fromWire(entry))
  }
  ctx.leases.fill(id, { entries: [entry] })
  return {}
}

/**
 * The key a LEASE or FILL is about. Without one, the lease would be taken on
 * the key "undefined" and a fill would reach the store with no key at all.
 */
function keyOf (frame: Frame): string {
  const key = frame.keys[0]
  if (key == null) throw new MeshCacheError(ErrorCodes.MALFORMED_FRAME, `${frame.op} names no key`)
  return key
}

/**
 * Requester: read-through. The key's primary owner grants one lease per
 * missing key mesh-wide; its holder runs the loader and every other asker, on
 * any peer, waits at the owner for that value. Concurrent askers on this peer
 * share one request.
 */
export async function getOrLoad (ctx: Context, keyspace: string, key: string, loader: Loader | undefined, ttlMs: number | undefined): Promise<ReadThrough> {
  const near = ctx.near.get(keyspace, key)
  if (near != null && !isStale(near, ctx.now())) return { entry: near, loaded: false }
  const id = entryId(keyspace, key)
  const pending = ctx.loading.get(id)
  // Only the asker whose call ran the loader counts as having loaded.
  if (pending != null) return { entry: (await pending).entry, loaded: false }
  const mine = viaOwners(ctx, keyspace, key, loader ?? ctx.keyspaces.get(keyspace)?.load, ttlMs)
    .finally(() => { ctx.loading.delete(id) })
  ctx.loading.set(id, mine)
  return mine
}

/** What a read-through found, and whether this call ran the loader to get it. */
export interface ReadThrough {
  entry: StoredEntry | undefined
  loaded: boolean
}

async function viaOwners (ctx: Context, keyspace: string, key: string, loader: Loader | undefined, ttlMs: number | undefined): Promise<ReadThrough> {
  const owners = ctx.owners(keyspace, key)
  const waitMs = ctx.settings.leaseTimeoutMs * 2
  let lastError: unknown = new MeshCacheError(ErrorCodes.UNAVAILABLE, 'the mesh has no owner-role member')
  for (const owner of owners) {
    let reply: Frame
    try {
      reply = await call(ctx, owner, { op: Op.LEASE, keyspace, keys: [key], canLoad: loader != null, waitMs }, waitMs + ctx.settings.requestTimeoutMs)
    } catch (err) {
      // A loader's failure or a lease timeout is an answer, not an unreachable owner.
      if (err instanceof MeshCacheError && err.code !== ErrorCodes.UNAVAILABLE) throw err
      lastError = err
      continue
    }
    const found = reply.entries[0]
    if (found != null) {
      ctx.clock.observe(found.version)
      const entry = fromWire(found)
      if (reply.lease !== 0n && loader != null) {
        // Stale-while-revalidate: answer with the stale value, refresh behind it.
        load(ctx, owner, keyspace, key, loader, reply.lease, ttlMs).catch(() => {})
      } else if (!owners.includes(ctx.self) && !isStale(entry, ctx.now())) {
        ctx.near.set(keyspace, key, { ...entry, owner, fetchedAt: ctx.now() })
      }
      return { entry, loaded: false }
    }
    if (reply.lease === 0n) {
      if (loader == null) throw new MeshCacheError(ErrorCodes.NO_LOADER, `no value for ${JSON.stringify(key)} and no loader to make one`)
      return { entry: undefined, loaded: false } // another asker's loader found nothing
    }
    return { entry: await load(ctx, owner, keyspace, key, loader!, reply.lease, ttlMs), loaded: true }
  }
  throw lastError
}

async function load (ctx: Context, owner: string, keyspace: string, key: string, loader: Loader, lease: bigint, ttlMs: number | undefined): Promise<StoredEntry | undefined> {
  const fill = (frame: Partial<Frame>): Promise<unknown> =>
    call(ctx, owner, { op: Op.FILL, keyspace, keys: [key], lease, ...frame }).catch(() => {})
  let entry: StoredEntry | undefined
  try {
    ctx.counters.loads++
    // Twice the lease's time: by then the owner has passed the lease on for sure.
    const value = await withTimeout(Promise.resolve(loader(key)), ctx.settings.leaseTimeoutMs * 2)
    const missTtlMs = ctx.keyspaces.get(keyspace)?.missTtlMs ?? 0
    if (value !== undefined) {
      entry = { value: encodeValue(value, ctx.settings.maxValueBytes), version: 0n, ...expiryFor(ctx, keyspace, ttlMs) }
    } else if (missTtlMs > 0) {
      entry = { value: MISS_MARKER, version: 0n, expiresAt: ctx.now() + missTtlMs }
    }
  } catch (err) {
    const message = (err as Error)?.message ?? String(err)
    const code = err instanceof MeshCacheError && err.code === ErrorCodes.TIMEOUT ? ErrorCodes.TIMEOUT : ErrorCodes.LOADER_FAILED
    await fill({ errorCode: code, errorMessage: message })
    throw new MeshCacheError(code, message, { cause: err })
  }
  await fill(entry == null ? {} : { entries: [toWire(keyspace, key, entry)] })
  return entry
}

/** A loader that never settles must not hold its askers forever. */
async function withTimeout<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new MeshCacheError(ErrorCodes.TIMEOUT, `the loader did not finish within ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}
