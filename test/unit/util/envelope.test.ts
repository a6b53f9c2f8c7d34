import { describe, expect, it } from 'vitest'
import { MAC_BYTES, Sealer, fastMessageId, gossipMacWith, messageId, open } from '../../../src/util/envelope.js'

const ORIGIN = '12D3KooWHhSmDSMg8bkwNQt5PyGXzTfWHHpHZRH3HBzDWVyJ4EUU'
const TOPIC = 'meshcache/m/members/1'
const payload = new Uint8Array([1, 2, 3, 4])
const mac = gossipMacWith(new Uint8Array(32).fill(7))
const otherMac = gossipMacWith(new Uint8Array(32).fill(8))

describe('gossip envelopes', () => {
  it('open gives back the origin and payload of what seal made, with and without a MAC', () => {
    expect(open(TOPIC, new Sealer(ORIGIN).seal(TOPIC, payload))).toEqual({ origin: ORIGIN, payload })
    const sealed = new Sealer(ORIGIN, mac).seal(TOPIC, payload)
    expect(sealed.byteLength).toBe(2 + ORIGIN.length + 8 + MAC_BYTES + payload.byteLength)
    expect(open(TOPIC, sealed, mac)).toEqual({ origin: ORIGIN, payload })
  })

  it('a MAC under another key, on another topic, or over changed bytes is refused', () => {
    const sealed = new Sealer(ORIGIN, mac).seal(TOPIC, payload)
    expect(open(TOPIC, sealed, otherMac)).toBe('a wrong MAC')
    expect(open('meshcache/m/inval/1', sealed, mac)).toBe('a wrong MAC')
    for (const at of [3, 2 + ORIGIN.length + 3, sealed.byteLength - 1]) {
      const changed = sealed.slice()
      changed[at] ^= 1
      expect(open(TOPIC, changed, mac)).toBe('a wrong MAC')
    }
  })

  it('a mesh with a secret refuses envelopes without a MAC, and one without refuses MACs', () => {
    expect(open(TOPIC, new Sealer(ORIGIN).seal(TOPIC, payload), mac)).toBe('no MAC where the mesh has a secret')
    expect(open(TOPIC, new Sealer(ORIGIN, mac).seal(TOPIC, payload))).toBe('a MAC where the mesh has no secret')
  })

  it('malformed envelopes are refused, never thrown', () => {
    const sealed = new Sealer(ORIGIN).seal(TOPIC, payload)
    expect(open(TOPIC, new Uint8Array(0))).toBe('too short')
    expect(open(TOPIC, sealed.subarray(0, 10))).toBe('too short')
    const noOrigin = sealed.slice()
    noOrigin[1] = 0
    expect(open(TOPIC, noOrigin)).toBe('an origin of 0 bytes')
    const binary = sealed.slice()
    binary[5] = 0
    expect(open(TOPIC, binary)).toBe('an origin that is not printable ASCII')
  })

  it('ids are origin and seq: equal payloads get different ids, and a restarted origin does not reuse one', () => {
    const sealer = new Sealer(ORIGIN)
    const [a, b] = [sealer.seal(TOPIC, payload), sealer.seal(TOPIC, payload)]
    expect(messageId(a)).toEqual(a.subarray(0, 2 + ORIGIN.length + 8))
    expect(fastMessageId(a)).not.toBe(fastMessageId(b))
    let clock = 1_000
    const before = new Sealer(ORIGIN, undefined, () => clock).seal(TOPIC, payload)
    clock += 1
    const after = new Sealer(ORIGIN, undefined, () => clock).seal(TOPIC, payload)
    expect(fastMessageId(before)).not.toBe(fastMessageId(after))
    expect(fastMessageId(new Uint8Array([1]))).toBe('\u0001')
  })

  it('an origin that is not printable ASCII, or too long, cannot seal', () => {
    expect(() => new Sealer('')).toThrow(RangeError)
    expect(() => new Sealer('x'.repeat(65))).toThrow(RangeError)
    expect(() => new Sealer('é')).toThrow(RangeError)
  })
})
