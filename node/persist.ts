import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { closeQuietly, openDatabase, refuse } from '../src/persist/database.js'
import { loadOrCreateKey } from './identity.js'
import type { OpenableDb } from '../src/persist/database.js'
import type { PersistDb } from '../src/persist/persister.js'
import type { ComponentLogger, PrivateKey } from '@libp2p/interface'

/** Names a directory as a meshcache store; without it, a non-empty directory is someone else's and left alone. */
const MARKER = 'MESHCACHE'
const MARKER_TEXT = 'meshcache store, format 1\n'

export interface OpenedStore {
  db: PersistDb
  privateKey: PrivateKey
}

/**
 * Opens (or creates) a peer's directory: the marker file, the peer's key
 * (`peer.key`, so a restart keeps its id and its keys) and the level
 * database (`data/`). Anything else there, or a database that will not
 * open, is ERR_PERSIST, and nothing is written.
 */
export async function openStore (path: string, logger: ComponentLogger): Promise<OpenedStore> {
  const where = `persist.path ${JSON.stringify(path)}`
  const found = await stat(path).catch((err: NodeJS.ErrnoException) => err.code === 'ENOENT' ? undefined : refuse(where, err.message))
  if (found !== undefined && !found.isDirectory()) refuse(where, 'is not a directory')
  const marker = found === undefined ? undefined : await readFile(join(path, MARKER), 'utf8').catch(() => undefined)
  if (found !== undefined && marker === undefined && (await readdir(path)).length > 0) refuse(where, `is not empty and not a meshcache store (no ${MARKER} file): nothing was touched`)
  if (marker !== undefined && marker !== MARKER_TEXT) refuse(where, `${MARKER} names another format: ${JSON.stringify(marker.trim())}`)
  const fresh = marker === undefined
  if (fresh) {
    await mkdir(path, { recursive: true })
    await writeFile(join(path, MARKER), MARKER_TEXT)
  }
  const db = new Level<Uint8Array, Uint8Array>(join(path, 'data'), { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: fresh }) as unknown as OpenableDb
  await openDatabase(db, where, fresh, logger)
  try {
    const privateKey = await loadOrCreateKey(join(path, 'peer.key'), { logger })
    return { db, privateKey }
  } catch (err) {
    await closeQuietly(db, logger)
    return refuse(where, `its peer key does not load: ${(err as Error).message}`)
  }
}
