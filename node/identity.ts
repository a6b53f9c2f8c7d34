import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ErrorCodes, MeshCacheError } from '../src/errors.js'
import type { ComponentLogger, PrivateKey } from '@libp2p/interface'

export interface IdentityComponents {
  /** Logs as `meshcache:identity`: the file and the peer id, never the key. Default libp2p's default logger. */
  logger: ComponentLogger
}

/**
 * The peer's private key from `path`, created (Ed25519, mode 0600) when the
 * file does not exist yet: the same key means the same peer id, so a relay's
 * bootstrap address survives restarts.
 */
export async function loadOrCreateKey (path: string, { logger }: IdentityComponents = { logger: defaultLogger() }): Promise<PrivateKey> {
  const log = logger.forComponent('meshcache:identity')
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const key = await generateKeyPair('Ed25519')
    await mkdir(dirname(path), { recursive: true })
    try {
      // 'wx': never overwrite a key another process wrote in the meantime...
      await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
      log('no key in %s: created one, peer id %p', path, peerIdFromPrivateKey(key))
      return key
    } catch (raced) {
      // ...and when one did, use its key: both processes then agree.
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced
      log('another process created %s meanwhile: using its key', path)
      bytes = await readFile(path)
    }
  }
  let loaded: PrivateKey
  try {
    loaded = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new MeshCacheError(ErrorCodes.INVALID_OPTION, `${path} does not hold a libp2p private key: ${(err as Error).message}`, { cause: err })
  }
  log('loaded the key in %s: peer id %p', path, peerIdFromPrivateKey(loaded))
  return loaded
}
