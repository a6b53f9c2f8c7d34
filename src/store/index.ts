export { Store, entrySize } from './store.js'
export type { Table } from './table.js'
export type { StoredEntry, KeyspaceLimits, StoreInit, KeyspaceStats, StoreStats } from './store.js'
