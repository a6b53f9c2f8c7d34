import type { OpenableDb } from '../../../src/persist/database.js'
import type { PersistDb } from '../../../src/persist/persister.js'

/** An in-memory level database (keys compared as bytes, like LevelDB), with switches to make writes or the open fail. */
export class MemoryDb implements OpenableDb {
  readonly data = new Map<string, [Uint8Array, Uint8Array]>()
  failing = false
  openFails = false
  batches = 0
  closes = 0

  async open (): Promise<void> {
    if (this.openFails) throw new Error('Corruption: CURRENT file does not end with newline')
  }

  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.data.get(Buffer.from(key).toString('hex'))?.[1]
  }

  async put (key: Uint8Array, value: Uint8Array): Promise<void> {
    await this.batch([{ type: 'put', key, value }])
  }
  async batch (operations: Parameters<PersistDb['batch']>[0]): Promise<void> {
    if (this.failing) throw new Error('ENOSPC: no space left on device')
    this.batches++
    for (const op of operations) {
      const id = Buffer.from(op.key).toString('hex')
      if (op.type === 'put') this.data.set(id, [op.key, op.value])
      else this.data.delete(id)
    }
  }

  async clear ({ gte, lt }: { gte: Uint8Array, lt: Uint8Array }): Promise<void> {
    for (const [id, [key]] of this.data) if (Buffer.compare(key, gte) >= 0 && Buffer.compare(key, lt) < 0) this.data.delete(id)
  }

  iterator (): ReturnType<PersistDb['iterator']> {
    const sorted = [...this.data.values()].sort((a, b) => Buffer.compare(a[0], b[0]))
    return { nextv: async size => sorted.splice(0, size), close: async () => {} }
  }

  async close (): Promise<void> {
    this.closes++
  }
}
