import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it, vi } from 'vitest'
import { Persister } from '../../../src/persist/persister.js'
import { recordKey } from '../../../src/persist/records.js'
import { Store } from '../../../src/store/index.js'
import { encodeValue } from '../../../src/values.js'
import { NearCache } from '../../../src/invalidation/near-cache.js'
import { MemoryDb } from './memory-db.js'
import type { NearEntry } from '../../../src/invalidation/near-cache.js'

function peer (db: MemoryDb, clock = { now: 1_000_000 }, nearEntries = 100): { store: Store, near: NearCache, persister: Persister } {
  let persister: Persister | undefined
  const now = (): number => clock.now
  const store = new Store({ now, onChange: (ks, key) => { persister!.changed(ks, key) } })
  const near = new NearCache({ maxEntries: nearEntries, maxStalenessMs: 5_000, now, onChange: id => { persister!.nearChanged(id) } })
  persister = new Persister({ store, near, logger: defaultLogger(), now }, db)
  return { store, near, persister }
}

const copyOf = (text: string, version: bigint, fetchedAt: number): NearEntry => ({ value: value(text), version, expiresAt: 0, owner: 'owner-a', fetchedAt })

const value = (text: string): Uint8Array => encodeValue(text, 1024)

describe('Persister', () => {
  it('writes entries and deletes behind, and a new store loads them back', async () => {
    const db = new MemoryDb()
    const clock = { now: 1_000_000 }
    const { store, persister } = peer(db, clock)
    store.apply('ks', 'a', { value: value('one'), version: 1n, expiresAt: 0 })
    store.apply('ks', 'b', { value: value('two'), version: 2n, expiresAt: clock.now + 60_000 })
    store.apply('ks', 'gone', { value: value('x'), version: 3n, expiresAt: 0 })
    store.remove('ks', 'gone', 4n)
    store.apply('other', 'c', { value: value('three'), version: 5n, expiresAt: 0 })
    await persister.flush()
    expect(db.data.size).toBe(4) // a, b, other/c, and the tombstone of gone
    const again = peer(db, clock)
    expect(await again.persister.load()).toBe(4) // 3 entries and the tombstone
    expect(again.store.peek('ks', 'a')?.version).toBe(1n)
    expect(again.store.peek('ks', 'b')?.expiresAt).toBe(clock.now + 60_000)
    expect(again.store.peek('ks', 'gone')).toBeUndefined()
    // The tombstone came back: an older write of the deleted key is refused, as before the restart.
    expect(again.store.apply('ks', 'gone', { value: value('old'), version: 3n, expiresAt: 0 })).toBe(false)
  })

  it('follows a TTL change and an eviction to disk', async () => {
    const db = new MemoryDb()
    const clock = { now: 1_000_000 }
    const { store, persister } = peer(db, clock)
    store.apply('ks', 'a', { value: value('v'), version: 1n, expiresAt: 0 })
    store.apply('ks', 'b', { value: value('v'), version: 2n, expiresAt: 0 })
    store.touch('ks', 'a', clock.now + 5_000, 3n)
    store.configure('ks', { maxBytes: 80 }) // room for one: b, the older, goes
    await persister.flush()
    const again = peer(db, clock)
    expect(await again.persister.load()).toBe(1)
    expect(again.store.peek('ks', 'a')).toMatchObject({ version: 3n, expiresAt: clock.now + 5_000 })
    expect(again.store.peek('ks', 'b')).toBeUndefined()
  })

  it('drops expired records at load, and a dropped keyspace from disk', async () => {
    const db = new MemoryDb()
    const clock = { now: 1_000_000 }
    const { store, persister } = peer(db, clock)
    store.apply('ks', 'short', { value: value('v'), version: 1n, expiresAt: clock.now + 100 })
    store.apply('ks', 'long', { value: value('v'), version: 2n, expiresAt: 0 })
    store.apply('drop', 'x', { value: value('v'), version: 3n, expiresAt: 0 })
    await persister.flush()
    store.dropKeyspace('drop')
    await persister.flush()
    expect([...db.data.values()].some(([k]) => Buffer.compare(k, recordKey('drop', 'x')) === 0)).toBe(false)
    clock.now += 100
    const again = peer(db, clock)
    expect(await again.persister.load()).toBe(1)
    expect(db.data.size).toBe(1)
  })

  it('counts a failing write, keeps its keys pending and writes them once the disk works again', async () => {
    const db = new MemoryDb()
    const { store, persister } = peer(db)
    db.failing = true
    store.apply('ks', 'a', { value: value('v'), version: 1n, expiresAt: 0 })
    await persister.flush()
    expect(persister.counts).toMatchObject({ failures: 1, pending: 1, written: 0 })
    expect(store.peek('ks', 'a')).toBeDefined()
    db.failing = false
    await persister.flush()
    expect(persister.counts).toMatchObject({ failures: 1, pending: 0, written: 1 })
    expect(db.data.size).toBe(1)
    await persister.stop()
  })

  it('skips records that do not decode instead of failing the load', async () => {
    const db = new MemoryDb()
    db.data.set('bad', [recordKey('ks', 'bad'), Uint8Array.of(42)])
    const { persister } = peer(db)
    expect(await persister.load()).toBe(0)
  })

  it('keeps near copies: a copy read shortly before the restart is back, an invalidated one is not', async () => {
    const db = new MemoryDb()
    const clock = { now: 1_000_000 }
    const { near, persister } = peer(db, clock)
    near.set('ks', 'kept', copyOf('v', 1n, clock.now))
    near.set('ks', 'dropped', copyOf('v', 1n, clock.now))
    await persister.flush()
    near.invalidate('ks', 'dropped', 2n)
    await persister.flush()
    await persister.stop()
    clock.now += 1_000
    const again = peer(db, clock)
    expect(await again.persister.load()).toBe(0)
    expect(again.persister.counts).toMatchObject({ loaded: 0, nearLoaded: 1 })
    expect(again.near.get('ks', 'kept')).toMatchObject({ version: 1n, owner: 'owner-a', fetchedAt: 1_000_000 })
    expect(again.near.get('ks', 'dropped')).toBeUndefined()
  })

  it('at load, deletes near copies past their staleness limit, and those the near cache has no room for', async () => {
    const db = new MemoryDb()
    const clock = { now: 1_000_000 }
    const { near, persister } = peer(db, clock)
    near.set('ks', 'old', copyOf('v', 1n, clock.now - 4_500))
    for (let i = 0; i < 3; i++) near.set('ks', `k${i}`, copyOf('v', 1n, clock.now))
    await persister.flush()
    expect(db.data.size).toBe(4)
    clock.now += 1_000
    const again = peer(db, clock, 2)
    await again.persister.load()
    await again.persister.flush()
    expect(again.persister.counts.nearLoaded).toBe(3)
    expect(again.near.size).toBe(2)
    expect(db.data.size).toBe(2)
  })

  it('a stop on a failing disk gives up what it could not write, and leaves no timer behind', async () => {
    vi.useFakeTimers()
    try {
      const db = new MemoryDb()
      const { store, persister } = peer(db)
      db.failing = true
      store.apply('ks', 'a', { value: value('v'), version: 1n, expiresAt: 0 })
      await persister.stop()
      expect(persister.counts).toMatchObject({ failures: 1, pending: 1 })
      expect(vi.getTimerCount()).toBe(0)
      store.apply('ks', 'b', { value: value('v'), version: 2n, expiresAt: 0 })
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
