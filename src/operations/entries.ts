import { wireNumber } from '../util/wire.js'
import { isMissMarker } from '../values.js'
import type { Entry } from '../protocol/frame.js'
import type { StoredEntry } from '../store/index.js'

export function toWire (keyspace: string, key: string, entry: StoredEntry): Entry {
  // Most entries never expire: 0n needs no BigInt made.
  const { expiresAt, staleAt } = entry
  return { keyspace, key, value: entry.value, version: entry.version, expiresAt: expiresAt === 0 ? 0n : BigInt(expiresAt), staleAt: staleAt == null || staleAt === 0 ? 0n : BigInt(staleAt) }
}

export function fromWire (entry: Entry): StoredEntry {
  const staleAt = wireNumber(entry.staleAt)
  return staleAt > 0
    ? { value: entry.value, version: entry.version, expiresAt: wireNumber(entry.expiresAt), staleAt }
    : { value: entry.value, version: entry.version, expiresAt: wireNumber(entry.expiresAt) }
}

/** Past its TTL, kept only for getOrLoad to serve while it refreshes (keyspace `staleMs`). */
export function isStale (entry: StoredEntry, now: number): boolean {
  return entry.staleAt != null && entry.staleAt > 0 && entry.staleAt <= now
}

/** Whether plain reads may serve the entry: not a cached miss, and not stale. */
export function isFresh (entry: StoredEntry, now: number): boolean {
  return !isMissMarker(entry.value) && !isStale(entry, now)
}
