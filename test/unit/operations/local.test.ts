import { describe, expect, it } from 'vitest'
import { LocalReads } from '../../../src/operations/local.js'
import { MISS_MARKER, encodeValue } from '../../../src/values.js'
import { FakeView, fakeComponents } from './fakes.js'
import type { FakeClock } from './fakes.js'
import type { Requests } from '../../../src/operations/components.js'

const unused: Requests = {
  call: async () => { throw new Error('local reads never ask the network') },
  getOne: async () => { throw new Error('local reads never ask the network') },
  setOne: async () => { throw new Error('local reads never ask the network') }
}

function setup (): { reads: LocalReads, write: (key: string, value: unknown, version: bigint, extra?: { expiresAt?: number, staleAt?: number }) => void, c: ReturnType<typeof fakeComponents>, view: FakeView, clock: FakeClock } {
  const clock: FakeClock = { now: 1_000_000 }
  const view = new FakeView({ owners: ['me'] })
  const c = fakeComponents('me', { requests: unused, view, clock })
  const write = (key: string, value: unknown, version: bigint, extra: { expiresAt?: number, staleAt?: number } = {}): void => {
    c.store.apply('ks', key, { value: encodeValue(value, 1024), version, expiresAt: extra.expiresAt ?? 0, staleAt: extra.staleAt })
  }
  return { reads: new LocalReads(c, 'ks'), write, c, view, clock }
}

describe('LocalReads', () => {
  it('sees every write, delete and eviction after the first read remembered the slot', () => {
    const { reads, write, c } = setup()
    write('k', 'one', 1n)
    expect(reads.read('k')).toBe('one')
    expect(reads.read('k')).toBe('one')
    write('k', 'two', 2n)
    expect(reads.read('k')).toBe('two')
    c.store.remove('ks', 'k', 3n)
    expect(reads.read('k')).toBeUndefined()
    write('k', 'three', 4n)
    write('other', 'x', 5n) // may take a freed slot: a remembered slot is checked by generation, not by number
    expect(reads.read('k')).toBe('three')
    expect(reads.read('other')).toBe('x')
    c.store.configure('ks', { maxBytes: 80 }) // room for one entry: the least recently used goes
    expect([reads.read('k'), reads.read('other')].filter(v => v === undefined)).toHaveLength(1)
  })

  it('stops serving a remembered entry when it expires', () => {
    const { reads, write, clock } = setup()
    write('k', 'v', 1n, { expiresAt: clock.now + 100 })
    expect(reads.read('k')).toBe('v')
    clock.now += 100
    expect(reads.read('k')).toBeUndefined()
  })

  it('decodes objects and bytes afresh on every read, so a caller cannot change the next one\'s', () => {
    const { reads, write, c } = setup()
    write('obj', { a: [1] }, 1n)
    const first = reads.read('obj') as { a: number[] }
    first.a.push(2)
    expect(reads.read('obj')).toEqual({ a: [1] })
    c.store.apply('ks', 'bytes', { value: encodeValue(Uint8Array.of(7), 1024), version: 1n, expiresAt: 0 })
    ;(reads.read('bytes') as Uint8Array)[0] = 0
    expect(reads.read('bytes')).toEqual(Uint8Array.of(7))
  })

  it('treats a cached miss, and a value past its staleAt, as absent', () => {
    const { reads, write, c, clock } = setup()
    c.store.apply('ks', 'miss', { value: MISS_MARKER, version: 1n, expiresAt: 0 })
    expect(reads.read('miss')).toBeUndefined()
    write('swr', 'v', 1n, { expiresAt: clock.now + 200, staleAt: clock.now + 100 })
    expect(reads.read('swr')).toBe('v')
    clock.now += 100
    expect(reads.read('swr')).toBeUndefined()
  })

  it('forgets what it remembered when the view changes: a key given away is read from the near cache', () => {
    const { reads, write, view, c, clock } = setup()
    write('k', 'mine', 1n)
    expect(reads.read('k')).toBe('mine')
    view.own(['other'], 'k')
    expect(reads.read('k')).toBeUndefined()
    c.near.set('ks', 'k', { value: encodeValue('near', 1024), version: 2n, expiresAt: 0, owner: 'other', fetchedAt: clock.now })
    expect(reads.read('k')).toBe('near')
  })

  it('serves a remembered near copy only while the near cache holds it fresh', () => {
    const { reads, view, c, clock } = setup()
    view.own(['other'], 'k')
    const copy = (value: string, version: bigint, extra: { expiresAt?: number, staleAt?: number } = {}): void => {
      c.near.set('ks', 'k', { value: encodeValue(value, 1024), version, expiresAt: extra.expiresAt ?? 0, staleAt: extra.staleAt, owner: 'other', fetchedAt: clock.now })
    }
    copy('one', 1n)
    expect(reads.read('k')).toBe('one')
    const hits = c.near.hits
    expect(reads.read('k')).toBe('one')
    expect(c.near.hits).toBe(hits + 1)
    copy('two', 2n)
    expect(reads.read('k')).toBe('two')
    c.near.invalidate('ks', 'k', 3n)
    expect(reads.read('k')).toBeUndefined()
    copy('four', 4n, { expiresAt: clock.now + 100 })
    expect(reads.read('k')).toBe('four')
    clock.now += 100
    expect(reads.read('k')).toBeUndefined()
    copy('five', 5n, { expiresAt: clock.now + 200, staleAt: clock.now + 50 })
    expect(reads.read('k')).toBe('five')
    clock.now += 50
    expect(reads.read('k')).toBeUndefined()
  })

  it('checks a key it has not remembered', () => {
    const { reads } = setup()
    expect(() => reads.read('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_KEY' }))
    expect(() => reads.read(7 as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_KEY' }))
  })

  it('readEncoded gives a copy of the stored bytes, follows writes, and serves near copies alike', () => {
    const { reads, write, c, view, clock } = setup()
    expect(reads.readEncoded('k')).toBeUndefined()
    write('k', { a: 1 }, 1n)
    const first = reads.readEncoded('k')!
    expect(first).toEqual(encodeValue({ a: 1 }, 1024))
    write('k', { a: 22 }, 2n) // same length: written over the old record
    expect(first).toEqual(encodeValue({ a: 1 }, 1024))
    expect(reads.readEncoded('k')).toEqual(encodeValue({ a: 22 }, 1024))
    c.store.remove('ks', 'k', 3n)
    expect(reads.readEncoded('k')).toBeUndefined()
    view.own(['other'], 'n')
    c.near.set('ks', 'n', { value: encodeValue('near', 1024), version: 4n, expiresAt: 0, owner: 'other', fetchedAt: clock.now })
    expect(reads.readEncoded('n')).toEqual(encodeValue('near', 1024))
    expect(reads.readEncoded('n')).toEqual(encodeValue('near', 1024))
  })
})
