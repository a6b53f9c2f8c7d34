import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createCache, isMeshCacheError } from '../../node/index.js'
import { loadOrCreateKey } from '../../node/identity.js'
import { RELAY_LISTEN, startRelay } from '../../node/relay.js'
import { FAST, LOOPBACK, eventually, seedOf, waitForMembership } from '../helpers/cluster.js'
import type { MeshCache } from '../../node/index.js'

const meshName = (what: string): string => `relay-${what}-${Math.random().toString(36).slice(2, 10)}`

let scratch: string
beforeAll(() => { scratch = mkdtempSync(join(tmpdir(), 'meshcache-relay-test-')) })
afterAll(() => { rmSync(scratch, { recursive: true, force: true }) })

describe('loadOrCreateKey', () => {
  it('creates an Ed25519 key file (mode 0600, parent folders too) and loads the same key after', async () => {
    const path = join(scratch, 'a', 'b', 'peer.key')
    const created = await loadOrCreateKey(path)
    expect(created.type).toBe('Ed25519')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const loaded = await loadOrCreateKey(path)
    expect(loaded.equals(created)).toBe(true)
    expect(loaded.publicKey.equals(created.publicKey)).toBe(true)
    // Another path is another key.
    expect((await loadOrCreateKey(join(scratch, 'other.key'))).equals(created)).toBe(false)
  })

  it('two first starts at once agree on one key', async () => {
    const path = join(scratch, 'race', 'peer.key')
    const [a, b] = await Promise.all([loadOrCreateKey(path), loadOrCreateKey(path)])
    expect(a.equals(b)).toBe(true)
  })

  it('refuses a file that holds no private key with ERR_INVALID_OPTION, and leaves it alone', async () => {
    const path = join(scratch, 'garbage.key')
    writeFileSync(path, 'not a key')
    const err = await loadOrCreateKey(path).then(() => undefined, (e: unknown) => e)
    expect(isMeshCacheError(err)).toBe(true)
    expect((err as { code: string }).code).toBe('ERR_INVALID_OPTION')
    expect((err as Error).message).toContain(path)
    expect(statSync(path).size).toBe('not a key'.length)
  })

  it('passes on other read errors, such as a folder where the file should be', async () => {
    const path = join(scratch, 'a-folder.key')
    await loadOrCreateKey(join(path, 'inside.key'))
    const err = await loadOrCreateKey(path).then(() => undefined, (e: unknown) => e)
    expect((err as NodeJS.ErrnoException).code).toBe('EISDIR')
  })
})

describe('startRelay', () => {
  const started: MeshCache[] = []
  afterEach(async () => {
    await Promise.allSettled(started.splice(0).map(async c => c.stop()))
  })

  it('defaults to the fixed ports 4001 and 4002/ws', () => {
    expect(RELAY_LISTEN).toEqual(['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/tcp/4002/ws'])
  })

  it('keeps its peer id across restarts with the same key file, and runs the circuit relay service', async () => {
    const keyFile = join(scratch, 'relay.key')
    const mesh = meshName('id')
    const first = await startRelay({ ...FAST, mesh, listen: LOOPBACK, keyFile })
    started.push(first)
    expect(first.multiaddrs.length).toBeGreaterThan(0)
    for (const addr of first.multiaddrs) expect(addr).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${first.peerId}$`))
    expect((first.libp2p.services as Record<string, unknown>).relay).toBeDefined()
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const id = first.peerId
    await first.stop()

    const second = await startRelay({ ...FAST, mesh, listen: LOOPBACK, keyFile })
    started.push(second)
    expect(second.peerId).toBe(id)

    // Without a key file, a new identity each start.
    const anonymous = await startRelay({ ...FAST, mesh: meshName('anon'), listen: LOOPBACK })
    started.push(anonymous)
    expect(anonymous.peerId).not.toBe(id)
  })

  it('is a full cache peer: a plain peer joins through it and they share values', async () => {
    const mesh = meshName('join')
    const relay = await startRelay({ ...FAST, mesh, listen: LOOPBACK, keyFile: join(scratch, 'join-relay.key') })
    started.push(relay)
    const peer = await createCache({ ...FAST, mesh, listen: LOOPBACK, bootstrap: seedOf([relay]) })
    started.push(peer)
    await waitForMembership([relay, peer])

    await relay.set('from-relay', { n: 1 })
    await peer.keyspace('users').set('from-peer', 'ada')
    await eventually(async () => { expect(await peer.get('from-relay')).toEqual({ n: 1 }) })
    await eventually(async () => { expect(await relay.keyspace('users').get('from-peer')).toBe('ada') })
  })
})
