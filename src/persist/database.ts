import { ErrorCodes, MeshCacheError } from '../errors.js'
import { FORMAT, FORMAT_KEY } from './records.js'
import type { PersistDb } from './persister.js'
import type { ComponentLogger } from '@libp2p/interface'

/** What opening a store needs of a level database besides what the Persister uses. */
export interface OpenableDb extends PersistDb {
  open: () => Promise<void>
  get: (key: Uint8Array) => Promise<Uint8Array | undefined>
  put: (key: Uint8Array, value: Uint8Array) => Promise<void>
}

export const refuse = (where: string, why: string): never => {
  throw new MeshCacheError(ErrorCodes.PERSIST, `${where}: ${why}`)
}

/** After a refusal: the refusal is the error to report, a failed close only a trace line. */
export async function closeQuietly (db: { close: () => Promise<void> }, logger: ComponentLogger): Promise<void> {
  await db.close().catch((err: Error) => { logger.forComponent('meshcache:persist').error('closing the database failed: %e', err) })
}

/**
 * Opens `db` as a meshcache store: a fresh one gets the format record, any
 * other must hold this format's. `fresh` undefined: fresh when it holds no
 * record at all (a browser's database, named by us, has no marker beside
 * it). A database that does not open or is another's is closed again and
 * refused with ERR_PERSIST, naming `where`; nothing is written to it.
 */
export async function openDatabase (db: OpenableDb, where: string, fresh: boolean | undefined, logger: ComponentLogger): Promise<void> {
  try {
    await db.open()
    let format = await db.get(FORMAT_KEY)
    if (format === undefined && (fresh ?? await isEmpty(db))) {
      await db.put(FORMAT_KEY, FORMAT)
      format = FORMAT
    }
    if (format === undefined || format.length !== 1 || format[0] !== FORMAT[0]) refuse(where, 'its database is not a meshcache store of this format')
  } catch (err) {
    await closeQuietly(db, logger)
    if (err instanceof MeshCacheError) throw err
    refuse(where, `its database does not open: ${(err as Error).message}`)
  }
}

async function isEmpty (db: OpenableDb): Promise<boolean> {
  const iterator = db.iterator({ highWaterMarkBytes: 1024 })
  try {
    return (await iterator.nextv(1)).length === 0
  } finally {
    await iterator.close()
  }
}
