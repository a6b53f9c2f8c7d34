import { pbkdf2Async } from '@noble/hashes/pbkdf2.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'

/**
 * Anyone who takes part in one handshake holds a MAC made with the mesh key
 * and can test guesses of the secret offline, so the key is stretched:
 * PBKDF2-SHA256, salted with the mesh name (one secret in two meshes gives two
 * keys). Every peer must derive the same key: these numbers are part of the
 * auth protocol's version.
 */
export const KEY_ITERATIONS = 100_000
const KEY_BYTES = 32

export async function deriveKey (secret: string | Uint8Array, mesh: string): Promise<Uint8Array> {
  const password = typeof secret === 'string' ? utf8ToBytes(secret) : secret
  const salt = utf8ToBytes(`meshcache/key/1/${mesh}`)
  const subtle = globalThis.crypto?.subtle
  if (subtle != null) {
    // Native and off the main thread (~70 ms here); noble's takes ~5× longer.
    const base = await subtle.importKey('raw', password as Uint8Array<ArrayBuffer>, 'PBKDF2', false, ['deriveBits'])
    const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, iterations: KEY_ITERATIONS }, base, KEY_BYTES * 8)
    return new Uint8Array(bits)
  }
  // Browsers outside a secure context (http:// on a LAN address) have no crypto.subtle.
  return pbkdf2Async(sha256, password, salt, { c: KEY_ITERATIONS, dkLen: KEY_BYTES })
}
