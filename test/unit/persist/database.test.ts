import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src/persist/database.js'
import { FORMAT_KEY, recordKey } from '../../../src/persist/records.js'
import { MemoryDb } from './memory-db.js'

const logger = defaultLogger()

describe('openDatabase', () => {
  it('gives a fresh database the format record, and opens it again as this format', async () => {
    const db = new MemoryDb()
    await openDatabase(db, 'here', true, logger)
    expect(await db.get(FORMAT_KEY)).toEqual(Uint8Array.of(1))
    await openDatabase(db, 'here', false, logger)
    expect(db.closes).toBe(0)
  })

  it('without a marker to say (a browser), takes an empty database as fresh', async () => {
    const db = new MemoryDb()
    await openDatabase(db, 'tab', undefined, logger)
    expect(await db.get(FORMAT_KEY)).toEqual(Uint8Array.of(1))
  })

  it('refuses with ERR_PERSIST, writing nothing and closing it, a database with records but no format', async () => {
    const db = new MemoryDb()
    await db.put(recordKey('default', 'k'), Uint8Array.of(9))
    await expect(openDatabase(db, 'IndexedDB "x"', undefined, logger)).rejects.toMatchObject({ code: 'ERR_PERSIST', message: expect.stringContaining('IndexedDB "x"') })
    expect([...db.data.keys()]).toEqual([Buffer.from(recordKey('default', 'k')).toString('hex')])
    expect(db.closes).toBe(1)
  })

  it('refuses another format, and a database that does not open', async () => {
    const other = new MemoryDb()
    await other.put(FORMAT_KEY, Uint8Array.of(99))
    await expect(openDatabase(other, 'here', false, logger)).rejects.toMatchObject({ code: 'ERR_PERSIST' })
    expect(await other.get(FORMAT_KEY)).toEqual(Uint8Array.of(99))
    const broken = new MemoryDb()
    broken.openFails = true
    await expect(openDatabase(broken, 'here', true, logger)).rejects.toMatchObject({ code: 'ERR_PERSIST', message: expect.stringContaining('does not open: Corruption') })
    expect(broken.data.size).toBe(0)
    expect(broken.closes).toBe(1)
  })
})
