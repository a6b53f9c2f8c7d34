import { afterEach, describe, expect, it, vi } from 'vitest'
import { deriveKey } from '../../../src/access/key.js'

afterEach(() => { vi.unstubAllGlobals() })

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('deriveKey', () => {
  it('gives one 32-byte key per (secret, mesh): a string and its UTF-8 bytes agree', async () => {
    const key = await deriveKey('s3cret', 'orders')
    expect(key.byteLength).toBe(32)
    expect(hex(await deriveKey(new TextEncoder().encode('s3cret'), 'orders'))).toBe(hex(key))
    expect(hex(await deriveKey('s3cret', 'users'))).not.toBe(hex(key))
    expect(hex(await deriveKey('s3cret!', 'orders'))).not.toBe(hex(key))
  })

  it('derives the same key without WebCrypto (a browser page outside a secure context)', async () => {
    const native = await deriveKey('s3cret', 'orders')
    vi.stubGlobal('crypto', {})
    expect(hex(await deriveKey('s3cret', 'orders'))).toBe(hex(native))
  })
})
