/**
 * A whole-mesh crash: 3 peers in 3 processes, each with `persist` in a
 * directory of its own, take writes, deletes and short TTLs; once the
 * write-behind window (1 s) has passed, every peer is SIGKILLed at once.
 * Restarted on their directories, they come back with the same peer ids,
 * every acknowledged key, none of the deleted ones and none that expired.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/cluster.js'
import { killAll, spawnPeer } from '../helpers/processes.js'
import type { CacheOptions } from '../../node/index.js'
import type { PeerProcess } from '../helpers/processes.js'

const KEYS = Array.from({ length: 90 }, (_, i) => `r:${i}`)
const DELETED = KEYS.slice(0, 15)
const EXPIRING = KEYS.slice(15, 30)
const KEPT = KEYS.slice(30)
const WINDOW_MS = 1_000
const TTL_MS = 1_500

describe('restart after SIGKILL of every peer', () => {
  const root = mkdtempSync(join(tmpdir(), 'meshcache-restart-'))
  afterAll(async () => {
    await killAll()
    rmSync(root, { recursive: true, force: true })
  })

  it('brings back the same peers with every acknowledged key, deleted keys deleted, expired keys gone', async () => {
    const base: CacheOptions = { mesh: `restart-${process.pid}`, replicas: 2, heartbeatMs: 200, missedHeartbeats: 5, requestTimeoutMs: 3_000, listen: ['/ip4/127.0.0.1/tcp/0'] }
    const start = async (i: number, bootstrap: string[]): Promise<PeerProcess> =>
      spawnPeer({ ...base, bootstrap, persist: { path: join(root, `peer-${i}`) } }, 20_000)
    const startAll = async (): Promise<PeerProcess[]> => {
      const first = await start(0, [])
      const seed = [first.multiaddrs.find(a => a.startsWith('/ip4/127.0.0.1/tcp/'))!]
      const peers = [first, await start(1, seed), await start(2, seed)]
      await waitFor(async () => (await Promise.all(peers.map(async p => (await p.call('members') as string[]).length))).every(n => n === 3), 15_000, 'three members')
      return peers
    }

    const before = await startAll()
    await before[0].call('setMany', KEYS.map(key => [key, `v-${key}`]))
    await before[1].call('deleteMany', DELETED)
    for (const key of EXPIRING) await before[2].call('set', key, `v-${key}`, TTL_MS)
    const acknowledged = Date.now()
    await new Promise(resolve => setTimeout(resolve, WINDOW_MS))
    await killAll()
    // Past the TTLs, so the expiring keys are expired when the peers come back.
    await new Promise(resolve => setTimeout(resolve, Math.max(0, acknowledged + TTL_MS + 100 - Date.now())))

    const after = await startAll()
    expect(after.map(p => p.peerId)).toEqual(before.map(p => p.peerId))
    const loaded = await Promise.all(after.map(async p => ((await p.call('status')) as { persist: { loaded: number } }).persist.loaded))
    // Every kept key on its 2 owners' disks: the restarted peers loaded them, nobody else had them.
    expect(loaded.reduce((a, b) => a + b, 0)).toBe(KEPT.length * 2)
    const reads = await Promise.all(after.map(async reader => reader.call('getMany', KEYS) as Promise<Array<string | null>>))
    const count = (keys: string[], test: (value: string | null, key: string) => boolean): string => reads.map(values => keys.filter(key => test(values[KEYS.indexOf(key)], key)).length).join('/')
    console.log(`restart: 3 peers SIGKILLed ${WINDOW_MS} ms after the last ack and restarted on their directories: ` +
      `same peer ids ${after.filter((p, i) => p.peerId === before[i].peerId).length}/3, loaded ${loaded.join('+')} entries; ` +
      `read at each peer: kept keys back ${count(KEPT, (v, k) => v === `v-${k}`)} of ${KEPT.length}, ` +
      `deleted still absent ${count(DELETED, v => v == null)} of ${DELETED.length}, expired absent ${count(EXPIRING, v => v == null)} of ${EXPIRING.length}`)
    for (const values of reads) {
      expect(values.slice(30)).toEqual(KEPT.map(key => `v-${key}`))
      expect(values.slice(0, 30).filter(v => v != null)).toEqual([])
    }
  })
})
