import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
// kad-dht's package exports hide its utils; the file path is the only way to reach convertPeerId.
import { convertPeerId } from '../../../node_modules/@libp2p/kad-dht/dist/src/utils.js'
import { kadIdOfKey, kadIdOfPeer, virtualId, virtualIdsOf } from '../../../src/ownership/index.js'
import { prng, randomBytes, realPeerId } from './helpers.js'

const sha = (b: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

describe('ownership ids', () => {
  it('kadIdOfPeer equals kad-dht convertPeerId for real Ed25519 peer ids', async () => {
    for (let i = 0; i < 5; i++) {
      const peerId = await realPeerId()
      const ours = kadIdOfPeer(peerId.toMultihash().bytes)
      expect(ours).toEqual(await convertPeerId(peerId))
      expect(ours.length).toBe(32)
    }
  })

  it('kadIdOfKey is sha256 of utf8 mesh/keyspace/key', () => {
    expect(kadIdOfKey('orders', 'users', 'u:42')).toEqual(sha('orders/users/u:42'))
    expect(kadIdOfKey('m', 'ks', 'ключ—🔑')).toEqual(sha(Buffer.from('m/ks/ключ—🔑', 'utf8')))
    expect(kadIdOfKey('m', 'a', 'k')).not.toEqual(kadIdOfKey('m', 'b', 'k'))
    expect(kadIdOfKey('m1', 'a', 'k')).not.toEqual(kadIdOfKey('m2', 'a', 'k'))
  })

  it('the Node entry\'s node:crypto hash gives the key ids the JS one does (browsers keep that one)', async () => {
    const keys = ['u:42', 'ключ—🔑', 'a'.repeat(300), '\u{10FFFF}']
    const js = keys.map(key => kadIdOfKey('m', 'ks', key))
    await import('../../../node/index.js') // installs node:crypto's sha256 for key ids
    expect(keys.map(key => new Uint8Array(kadIdOfKey('m', 'ks', key)))).toEqual(js.map(id => new Uint8Array(id)))
    expect(kadIdOfKey('m', 'ks', 'u:42')).toBeInstanceOf(Buffer)
  })

  it('virtualId is sha256(kadId ‖ uint32be(i))', () => {
    const kadId = randomBytes(prng(1), 32)
    for (const i of [0, 1, 255, 256, 0x01020304, 0xffffffff]) {
      const be = Buffer.alloc(4)
      be.writeUInt32BE(i)
      expect(virtualId(kadId, i)).toEqual(sha(Buffer.concat([kadId, be])))
    }
    expect(() => virtualId(kadId, -1)).toThrow(RangeError)
    expect(() => virtualId(kadId, 1.5)).toThrow(RangeError)
    expect(() => virtualId(kadId, 2 ** 32)).toThrow(RangeError)
  })

  it('one virtual id is the kadId itself; more are the hashed ids', () => {
    const kadId = randomBytes(prng(2), 32)
    expect(virtualIdsOf(kadId, 1)).toEqual([kadId])
    expect(virtualIdsOf(kadId, 3)).toEqual([virtualId(kadId, 0), virtualId(kadId, 1), virtualId(kadId, 2)])
  })
})
