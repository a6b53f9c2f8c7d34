import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/cluster.js'
import { killAll, spawnPeer } from '../helpers/processes.js'


const OPTIONS = { listen: ['/ip4/127.0.0.1/tcp/0'], replicas: 2, heartbeatMs: 250, missedHeartbeats: 4, requestTimeoutMs: 2_000 }

describe('three peers in separate processes', () => {
  afterEach(async () => { await killAll() })

  it('after one is SIGKILLed, every acknowledged key is still readable, twice replicated', async () => {
    const mesh = `crash-${Date.now()}`
    const a = await spawnPeer({ ...OPTIONS, mesh })
    const seed = [a.multiaddrs.find(m => m.startsWith('/ip4/127.0.0.1/tcp/'))!]
    const b = await spawnPeer({ ...OPTIONS, mesh, bootstrap: seed })
    const c = await spawnPeer({ ...OPTIONS, mesh, bootstrap: seed })
    const peers = [a, b, c]
    await waitFor(async () => (await Promise.all(peers.map(async p => (await p.call<string[]>('members')).length))).every(n => n === 3), 10_000, 'membership')

    const keys = Array.from({ length: 300 }, (_, i) => `key:${i}`)
    // Writes from every peer; each resolved set is an acknowledged write.
    for (let i = 0; i < keys.length; i += 30) {
      await peers[(i / 30) % 3].call('setMany', keys.slice(i, i + 30).map(k => [k, { k }]))
    }
    const victimHeld = (await c.call<string[]>('localKeys')).length
    expect(victimHeld).toBeGreaterThan(0)

    const killedAt = Date.now()
    c.child.kill('SIGKILL')
    await c.exited
    const survivors = [a, b]
    await waitFor(async () => (await Promise.all(survivors.map(async p => (await p.call<string[]>('members')).length))).every(n => n === 2), 10_000, 'the dead peer to be dropped')
    const detectedMs = Date.now() - killedAt
    console.log(`crash detected by both survivors in ${detectedMs} ms; the victim held ${victimHeld} of ${keys.length} keys`)

    for (const survivor of survivors) {
      const values = await survivor.call<unknown[]>('getMany', keys)
      expect(values).toEqual(keys.map(k => ({ k })))
    }
    // Re-replication: with two peers left and replicas=2, both hold every key.
    await waitFor(async () => (await Promise.all(survivors.map(async p => (await p.call<string[]>('localKeys')).length))).every(n => n === keys.length), 10_000, 're-replication')

    await b.call('set', 'after-crash', 1)
    expect(await a.call('get', 'after-crash')).toBe(1)
  })
})

