import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tcp } from '@libp2p/tcp'
import { afterAll, describe, expect, it } from 'vitest'
import { createCache, createCacheOn } from '../../node/index.js'
import { FAST, LOOPBACK } from '../helpers/cluster.js'
import { MemoryDb } from '../unit/persist/memory-db.js'

const root = mkdtempSync(join(tmpdir(), 'meshcache-persist-'))
afterAll(() => { rmSync(root, { recursive: true, force: true }) })

const open = async (path: string): ReturnType<typeof createCache> => createCache({ ...FAST, listen: LOOPBACK, persist: { path } })

describe('persist', () => {
  it('a graceful restart is warm: same peer id, the same entries, a delete still a delete', async () => {
    const path = join(root, 'warm')
    const first = await open(path)
    await first.set('a', { n: 1 })
    await first.set('b', 'two')
    await first.delete('b')
    await first.stop()
    const second = await open(path)
    try {
      expect(second.peerId).toBe(first.peerId)
      expect(await second.get('a')).toEqual({ n: 1 })
      expect(await second.get('b')).toBeUndefined()
      expect((await second.status()).persist).toMatchObject({ loaded: 1, failures: 0 })
    } finally {
      await second.stop()
    }
  })

  it('a restarted peer\'s newer version, and its newer delete, win at the co-owner that restarted with older ones', async () => {
    const withPeer = async (path: string, bootstrap: string[] = []): ReturnType<typeof createCache> => createCache({ ...FAST, listen: LOOPBACK, replicas: 2, persist: { path }, bootstrap })
    let a = await withPeer(join(root, 'newer-a'))
    let b = await withPeer(join(root, 'newer-b'), a.multiaddrs)
    await b.setMany([['k', 'v1'], ['gone', 'still here']])
    await b.stop() // b's disk: k = v1, gone
    await a.set('k', 'v2')
    await a.delete('gone') // a's disk: k = v2, gone's tombstone
    await a.stop()
    b = await withPeer(join(root, 'newer-b'))
    a = await withPeer(join(root, 'newer-a'), b.multiaddrs)
    try {
      expect(b.peek('k')).toBe('v1')
      expect(b.peek('gone')).toBe('still here')
      // b asked no one, and a pushes nothing to b at a join: only a's reconcile brings v2 and the delete there.
      await expect.poll(() => b.peek('k'), { timeout: 15_000 }).toBe('v2')
      await expect.poll(() => b.peek('gone'), { timeout: 15_000 }).toBeUndefined()
      expect(await b.getMany(['k', 'gone'])).toEqual(['v2', undefined])
    } finally {
      await a.stop()
      await b.stop()
    }
  })

  it('refuses, with ERR_PERSIST and touching nothing, a directory that is not a meshcache store', async () => {
    const foreign = join(root, 'foreign')
    mkdirSync(foreign)
    writeFileSync(join(foreign, 'notes.txt'), 'mine')
    await expect(open(foreign)).rejects.toMatchObject({ code: 'ERR_PERSIST' })
    expect(readdirSync(foreign)).toEqual(['notes.txt'])
    const file = join(root, 'a-file')
    writeFileSync(file, 'x')
    await expect(open(file)).rejects.toMatchObject({ code: 'ERR_PERSIST' })
    expect(readFileSync(file, 'utf8')).toBe('x')
  })

  it('refuses a store whose database is corrupted, or whose marker names another format', async () => {
    const path = join(root, 'corrupt')
    await (await open(path)).stop()
    writeFileSync(join(path, 'data', 'CURRENT'), 'garbage\n')
    await expect(open(path)).rejects.toMatchObject({ code: 'ERR_PERSIST', message: expect.stringContaining('does not open') })
    const other = join(root, 'other-format')
    await (await open(other)).stop()
    writeFileSync(join(other, 'MESHCACHE'), 'meshcache store, format 99\n')
    await expect(open(other)).rejects.toMatchObject({ code: 'ERR_PERSIST' })
  })

  it('is refused with ERR_INVALID_OPTION on a platform that opened no database, and checked like any option', async () => {
    const bare = { options: () => ({ transports: [tcp()], addresses: { listen: LOOPBACK } }) }
    await expect(createCacheOn(bare, { persist: { path: join(root, 'nope') } })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(createCache({ persist: { path: '' } })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(createCache({ persist: { path: join(root, 'x'), dir: 1 } as never })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(createCache({ persist: { path: join(root, 'y') }, replicas: 9 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(createCache({ persist: true })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('persist: { path }') })
    expect(readdirSync(root).filter(name => name === 'x' || name === 'y')).toEqual([])
  })

  it('a start that fails before the cache holds the database closes it', async () => {
    const db = new MemoryDb()
    const platform = { options: () => ({ transports: [tcp()], addresses: { listen: ['/ip4/256.0.0.1/tcp/0'] } }), persist: db }
    await expect(createCacheOn(platform, { ...FAST, persist: { path: 'unused' } })).rejects.toThrow()
    expect(db.closes).toBe(1)
  })
})
