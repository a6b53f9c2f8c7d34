import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { children, meshName, relayArgs, run, scratch, sleep, startServer, useCli } from './cli-helpers.js'
import type { Server } from './cli-helpers.js'

useCli()

describe('meshcache get / set / del / status against a relay', () => {
  let relay: Server
  let api: string

  beforeAll(async () => {
    relay = await startServer(relayArgs(join(scratch, 'ops-relay.key'), meshName('ops')), { expectAddrs: 2 })
    api = relay.api!
    // Lives for the whole describe: afterAll stops it, not the per-test afterEach.
    children.delete(relay.child)
  })
  afterAll(async () => {
    if (relay == null || relay.child.exitCode !== null || relay.child.signalCode !== null) return
    const gone = new Promise(resolve => relay.child.once('exit', resolve))
    relay.child.kill('SIGKILL')
    await Promise.race([gone, sleep(5_000)])
  })

  it('set stores JSON, get prints it, del deletes it, then get exits 1', async () => {
    const set = await run(['set', 'k', '{"a":1}', '--api', api])
    expect(set.code, set.stderr).toBe(0)
    expect(JSON.parse(set.stdout)).toEqual({ key: 'k', data: { a: 1 }, node: relay.peerId })

    const get = await run(['get', 'k', '--api', api])
    expect(get.code, get.stderr).toBe(0)
    expect(JSON.parse(get.stdout)).toEqual({ key: 'k', data: { a: 1 }, node: relay.peerId })

    const del = await run(['del', 'k', '--api', api])
    expect(del.code, del.stderr).toBe(0)
    expect(JSON.parse(del.stdout)).toMatchObject({ key: 'k', deleted: true })

    const again = await run(['get', 'k', '--api', api])
    expect(again.code).toBe(1)
    expect(again.stdout).toBe('')
    expect(JSON.parse(again.stderr)).toMatchObject({ code: 'ERR_NOT_FOUND' })

    const delAgain = await run(['del', 'k', '--api', api])
    expect(delAgain.code).toBe(1)
  })

  it('set takes a value that is not JSON as a string', async () => {
    expect((await run(['set', 'greeting', 'hello world', '--api', api])).code).toBe(0)
    const get = await run(['get', 'greeting', '--api', api])
    expect(get.code).toBe(0)
    expect(JSON.parse(get.stdout).data).toBe('hello world')

    expect((await run(['set', 'number', '42', '--api', api])).code).toBe(0)
    expect(JSON.parse((await run(['get', 'number', '--api', api])).stdout).data).toBe(42)
  })

  it('--keyspace scopes set/get/del and --ttl sets a TTL', async () => {
    expect((await run(['set', 'ks', '"users"', '--keyspace', 'users', '--ttl', '60000', '--api', api])).code).toBe(0)
    expect((await run(['get', 'ks', '--api', api])).code).toBe(1)
    const scoped = await run(['get', 'ks', '--keyspace', 'users', '--api', api])
    expect(scoped.code).toBe(0)
    expect(JSON.parse(scoped.stdout).data).toBe('users')

    const ttl = await (await fetch(`${api}/api/ttl?key=ks&keyspace=users`)).json() as { ttlMs: number }
    expect(ttl.ttlMs).toBeGreaterThan(0)
    expect(ttl.ttlMs).toBeLessThanOrEqual(60_000)

    expect((await run(['del', 'ks', '--keyspace', 'users', '--api', api])).code).toBe(0)
    expect((await run(['get', 'ks', '--keyspace', 'users', '--api', api])).code).toBe(1)
  })

  it('a server-side error exits 1 with the JSON error on stderr', async () => {
    const bad = await run(['set', 'k', '1', '--keyspace', 'bad name', '--api', api])
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stderr)).toMatchObject({ code: 'ERR_INVALID_OPTION' })
  })

  it('status prints JSON with members', async () => {
    const status = await run(['status', '--api', api])
    expect(status.code, status.stderr).toBe(0)
    const body = JSON.parse(status.stdout) as { peerId: string, members: Array<{ peerId: string }>, keys: number }
    expect(body.peerId).toBe(relay.peerId)
    expect(Array.isArray(body.members)).toBe(true)
    expect(body.members.map(m => m.peerId)).toContain(relay.peerId)
    expect(typeof body.keys).toBe('number')
  })

  it('get without --api fails; an unreachable --api exits 1', async () => {
    const missing = await run(['get', 'k'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('--api')

    // Port 1 on loopback: nothing listens there.
    const unreachable = await run(['get', 'k', '--api', 'http://127.0.0.1:1'])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(/^meshcache: /)
  })
})
