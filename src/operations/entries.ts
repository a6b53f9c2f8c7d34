import type { Entry } from '../protocol/frame.js'
import type { StoredEntry } from '../store/index.js'

export function toWire (keyspace: string, key: string, entry: StoredEntry): Entry {
  return { keyspace, key, value: entry.value, version: entry.version, expiresAt: BigInt(entry.expiresAt) }
}

export function fromWire (entry: Entry): StoredEntry {
  return { value: entry.value, version: entry.version, expiresAt: Number(entry.expiresAt) }
}
