import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { ErrorCodes, MeshCacheError } from '../src/errors.js'
import { FORMAT, FORMAT_KEY } from '../src/persist/records.js'
import { loadOrCreateKey } from './identity.js'
import type { PersistDb } from '../src/persist/persister.js'
import type { ComponentLogger, PrivateKey } from '@libp2p/interface'

/** Names a directory as a meshcache store; without it, a non-empty directory is someone else's and left alone. */
const MARKER = 'MESHCACHE'
const MARKER_TEXT = 'meshcache store, format 1\n'

export interface OpenedStore {
  db: PersistDb
  privateKey: PrivateKey
}

/** After a refusal: the refusal is the error to report, a failed close only a trace line. */
export async function closeQuietly (db: { close: () => Promise<void> }, logger: ComponentLogger): Promise<void> {
  await db.close().catch((err: Error) => { logger.forComponent('meshcache:persist').error('closing the database failed: %e', err) })
}

const refuse = (path: string, why: string): never => {
  throw new MeshCacheError(ErrorCodes.PERSIST, `persist.path ${JSON.stringify(path)}: ${why}`)
}

/**
 * Opens (or creates) a peer's directory: the marker file, the peer's key
 * (`peer.key`, so a restart keeps its id and its keys) and the level
 * database (`data/`). Anything else there, or a database that will not
 * open, is ERR_PERSIST, and nothing is written.
 */
export async function openStore (path: string, logger: ComponentLogger): Promise<OpenedStore> {
  const found = await stat(path).catch((err: NodeJS.ErrnoException) => err.code === 'ENOENT' ? undefined : refuse(path, err.message))
  if (found !== undefined && !found.isDirectory()) refuse(path, 'is not a directory')
  const marker = found === undefined ? undefined : await readFile(join(path, MARKER), 'utf8').catch(() => undefined)
  if (found !== undefined && marker === undefined && (await readdir(path)).length > 0) refuse(path, `is not empty and not a meshcache store (no ${MARKER} file): nothing was touched`)
  if (marker !== undefined && marker !== MARKER_TEXT) refuse(path, `${MARKER} names another format: ${JSON.stringify(marker.trim())}`)
  const fresh = marker === undefined
  if (fresh) {
    await mkdir(path, { recursive: true })
    await writeFile(join(path, MARKER), MARKER_TEXT)
  }
  const db = new Level<Uint8Array, Uint8Array>(join(path, 'data'), { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: fresh })
  try {
    await db.open()
    if (fresh) await db.put(FORMAT_KEY, FORMAT)
    const format = await db.get(FORMAT_KEY)
    if (format === undefined || format.length !== 1 || format[0] !== FORMAT[0]) refuse(path, 'its database is not a meshcache store of this format')
  } catch (err) {
    await closeQuietly(db, logger)
    if (err instanceof MeshCacheError) throw err
    refuse(path, `its database does not open: ${(err as Error).message}`)
  }
  try {
    const privateKey = await loadOrCreateKey(join(path, 'peer.key'), { logger })
    return { db: db as unknown as PersistDb, privateKey }
  } catch (err) {
    await closeQuietly(db, logger)
    return refuse(path, `its peer key does not load: ${(err as Error).message}`)
  }
}
