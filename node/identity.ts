import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { ErrorCodes, MeshCacheError } from '../src/errors.js'
import type { PrivateKey } from '@libp2p/interface'

/**
 * The peer's private key from `path`, created (Ed25519, mode 0600) when the
 * file does not exist yet: the same key means the same peer id, so a relay's
 * bootstrap address survives restarts.
 */
export async function loadOrCreateKey (path: string): Promise<PrivateKey> {
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
      return key
    } catch (raced) {
      // ...and when one did, use its key: both processes then agree.
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced
      bytes = await readFile(path)
    }
  }
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new MeshCacheError(ErrorCodes.INVALID_OPTION, `${path} does not hold a libp2p private key: ${(err as Error).message}`, { cause: err })
  }
}
