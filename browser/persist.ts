import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Level } from 'level'
import { closeQuietly, openDatabase, refuse } from '../src/persist/database.js'
import { PEER_KEY } from '../src/persist/records.js'
import { takeTabSlot } from './tab-slot.js'
import type { OpenableDb } from '../src/persist/database.js'
import type { PersistDb } from '../src/persist/persister.js'
import type { ComponentLogger, PrivateKey } from '@libp2p/interface'

export interface OpenedTabStore {
  db: PersistDb
  privateKey: PrivateKey
}

/**
 * Opens this tab's IndexedDB store (browser-level, through `level`): the
 * database its slot names (tab-slot.ts), the peer's key kept in it, so a
 * reload is warm and owns the same keys. Closing the database lets another
 * tab have it. A database that will not open is ERR_PERSIST.
 */
export async function openTabStore (mesh: string, logger: ComponentLogger): Promise<OpenedTabStore> {
  const log = logger.forComponent('meshcache:persist')
  const slot = await takeTabSlot(mesh, log)
  const where = `persist: IndexedDB ${JSON.stringify(slot.name)}`
  const level = new Level<Uint8Array, Uint8Array>(slot.name, { keyEncoding: 'view', valueEncoding: 'view' })
  const db: OpenableDb = {
    open: async () => { await level.open() },
    get: async key => level.get(key),
    put: async (key, value) => { await level.put(key, value) },
    batch: async operations => { await level.batch(operations) },
    clear: async range => { await level.clear(range) },
    iterator: options => level.iterator(options),
    // The slot goes with the database: whoever closes it (a refusal here, or the cache's stop) frees it.
    close: async () => { try { await level.close() } finally { slot.release() } }
  }
  await openDatabase(db, where, undefined, logger)
  try {
    const privateKey = await loadOrCreateKey(db)
    log('tab store %s: peer id %p', slot.name, peerIdFromPrivateKey(privateKey))
    return { db, privateKey }
  } catch (err) {
    await closeQuietly(db, logger)
    return refuse(where, `its peer key does not load: ${(err as Error).message}`)
  }
}

async function loadOrCreateKey (db: OpenableDb): Promise<PrivateKey> {
  const bytes = await db.get(PEER_KEY)
  if (bytes !== undefined) return privateKeyFromProtobuf(bytes)
  const key = await generateKeyPair('Ed25519')
  await db.put(PEER_KEY, privateKeyToProtobuf(key))
  return key
}
