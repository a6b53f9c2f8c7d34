import { ErrorCodes, MeshCacheError } from '../errors.js'
import { Op } from '../protocol/frame.js'
import { applyWrite } from './apply.js'
import { fromWire, toWire } from './entries.js'
import { wireSize } from './fan-out.js'
import type { OperationComponents } from './components.js'
import type { Entry, Frame } from '../protocol/frame.js'
import type { StoredEntry } from '../store/index.js'
import type { Logger } from '@libp2p/interface'

export interface EncodedWrite {
  key: string
  /** Already encoded (values.ts) and size-checked. */
  value: Uint8Array
  expiresAt: number
  staleAt?: number
}

export type SetComponents = Pick<OperationComponents, 'self' | 'store' | 'near' | 'clock' | 'invalidator' | 'view' | 'fanOut' | 'requests' | 'counters' | 'now' | 'logger'>

/** SET: the owner's versioned store, and the requester's write to every owner. */
export class SetOperation {
  private readonly c: SetComponents
  private readonly log: Logger

  constructor (components: SetComponents) {
    this.c = components
    this.log = components.logger.forComponent('meshcache:set')
  }

  /**
   * Owner: stores each entry that is newer than what it has; found[i] = stored.
   * When the writer chose its owners from another view than this peer's (a
   * join or a death it has not heard of yet, or that this peer has not), the
   * entries go on to the owners this peer knows before it answers: otherwise a
   * write acknowledged by one owner can miss the owner that replaced another,
   * or sit with a peer that drops what it no longer owns. The churn test lost
   * writes and served 20 s-old values before this.
   */
  async handle (frame: Frame): Promise<Partial<Frame>> {
    const found = frame.entries.map(entry => applyWrite(this.c, entry.keyspace, entry.key, fromWire(entry)))
    if (!frame.forwarded && frame.view !== this.c.view.viewId()) await this.forward(frame.entries)
    return { found }
  }

  /**
   * Requester: stamps each write with the hybrid clock, sends it to every owner
   * and resolves once each key is stored by at least one. A reader that does not
   * own the key keeps the value in its near cache: it reads its own writes.
   */
  async write (keyspace: string, writes: EncodedWrite[]): Promise<void> {
    const { clock, view, counters, self } = this.c
    const entries = writes.map(({ key, value, expiresAt, staleAt }) => toWire(keyspace, key, { value, version: clock.tick(), expiresAt, staleAt }))
    await this.toOwners(keyspace, entries, view.viewId())
    counters.sets += writes.length
    for (const entry of entries) {
      const owners = view.owners(keyspace, entry.key)
      if (!owners.includes(self)) this.keepNear(keyspace, entry.key, fromWire(entry), owners[0])
    }
  }

  /**
   * One key, the common write: a SET to each owner in the turn's batch to it.
   * Should any owner fail, the write goes through write()'s fan-out instead,
   * with its retries (a write carries its version: sending it twice is harmless).
   */
  async writeOne (keyspace: string, write: EncodedWrite): Promise<void> {
    const { clock, view, requests, counters, self } = this.c
    const { key, value, expiresAt, staleAt } = write
    const version = clock.tick()
    const stored: StoredEntry = staleAt != null && staleAt > 0 ? { value, version, expiresAt, staleAt } : { value, version, expiresAt }
    const owners = view.owners(keyspace, key)
    const viewId = view.viewId()
    // Made only when a peer is to be sent it: this peer as the only owner needs no wire form.
    let entry: Entry | undefined
    const wire = (): Entry => (entry ??= toWire(keyspace, key, stored))
    // This peer as an owner applies the write in place, as its SET handler would (same view: nothing to forward).
    const toOwner = (owner: string): boolean | Promise<boolean> => owner === self ? applyWrite(this.c, keyspace, key, stored) : requests.setOne(owner, wire(), viewId)
    try {
      if (owners.length === 0) throw new MeshCacheError(ErrorCodes.UNAVAILABLE, 'the mesh has no owner-role member')
      // One owner, the common case, is awaited alone: no Promise.all around it.
      if (owners.length === 1) await toOwner(owners[0])
      else await Promise.all(owners.map(toOwner))
    } catch (err) {
      this.log('a write of one key went to the fan-out: %s', (err as Error).message)
      await this.toOwners(keyspace, [wire()], viewId)
    }
    counters.sets++
    if (!owners.includes(self)) this.keepNear(keyspace, key, stored, owners[0])
  }

  private async toOwners (keyspace: string, entries: Entry[], viewId: string): Promise<void> {
    await this.c.fanOut.toAllOwners(keyspace, entries.map(e => e.key),
      indexes => ({ op: Op.SET, view: viewId, entries: indexes.map(i => entries[i]) }),
      index => wireSize(entries[index]))
  }

  /** A writer that does not own the key reads its own write from its near cache. */
  private keepNear (keyspace: string, key: string, entry: StoredEntry, owner: string): void {
    if (this.c.near.enabled) this.c.near.set(keyspace, key, { ...entry, owner, fetchedAt: this.c.now() })
  }

  /** Sends entries on, once (`forwarded`), to their other owners under this peer's view. */
  private async forward (entries: Entry[]): Promise<void> {
    const { view, fanOut, self } = this.c
    const byKeyspace = new Map<string, Entry[]>()
    for (const entry of entries) {
      const list = byKeyspace.get(entry.keyspace) ?? []
      list.push(entry)
      byKeyspace.set(entry.keyspace, list)
    }
    this.log.trace('the writer of %d entries had another view: forwarding', entries.length)
    await Promise.all([...byKeyspace].flatMap(([keyspace, list]) => {
      const send = async (part: Entry[]): Promise<unknown> => fanOut.toAllOwners(keyspace, part.map(e => e.key),
        indexes => ({ op: Op.SET, forwarded: true, entries: indexes.map(i => part[i]) }),
        index => wireSize(part[index]), self)
      // One this peer owns is safe here already; one it does not own must reach an owner.
      const owned: Entry[] = []
      const strays: Entry[] = []
      for (const entry of list) (view.owners(keyspace, entry.key).includes(self) ? owned : strays).push(entry)
      const sendOwned = async (): Promise<void> => {
        await send(owned).catch((err: Error) => { this.log.trace('forwarding %d owned entries failed (kept here): %s', owned.length, err.message) })
      }
      return [owned.length > 0 ? sendOwned() : undefined, strays.length > 0 ? send(strays) : undefined]
    }))
  }
}
