import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JSON_HEADERS, call, expectClientError, startOnePeer, stopOnePeer } from './http-helpers.js'
import type { Served } from './http-helpers.js'

describe('HTTP API of one peer', () => {
  let served: Served
  let base: string
  let node: string

  beforeAll(async () => {
    served = await startOnePeer()
    base = served.base
    node = served.cache.peerId
  })

  afterAll(async () => {
    await stopOnePeer(served)
  })

  it('listens on 127.0.0.1 and answers GET / with {}', async () => {
    expect(new URL(base).hostname).toBe('127.0.0.1')
    const answer = await call(base, 'GET', '/')
    expect(answer.status).toBe(200)
    expect(answer.type).toMatch(/^application\/json/)
    expect(answer.body).toEqual({})
  })

  it('POST /api stores a value that GET /api returns, naming the serving peer', async () => {
    const data = { name: 'Ada', tags: ['x', 'y'], n: 7.5, nested: { ok: true, none: null } }
    const posted = await call(base, 'POST', '/api', { key: 'user:1', data })
    expect(posted.status).toBe(200)
    expect(posted.body).toEqual({ key: 'user:1', data, node })

    const got = await call(base, 'GET', '/api?key=user%3A1')
    expect(got.status).toBe(200)
    expect(got.type).toMatch(/^application\/json/)
    expect(got.body).toEqual({ key: 'user:1', data, node })
    // The HTTP API and the library see the same entry.
    expect(await served.cache.get('user:1')).toEqual(data)
  })

  it('keeps scalar and null values, and overwrites on a second POST', async () => {
    for (const data of ['text', 0, false, null, [1, [2, [3]]]]) {
      expect((await call(base, 'POST', '/api', { key: 'scalar', data })).status).toBe(200)
      const got = await call(base, 'GET', '/api?key=scalar')
      expect(got.status).toBe(200)
      expect(got.body).toEqual({ key: 'scalar', data, node })
    }
  })

  it('a null keyspace is the default one; a keyspace that is not a string is a 400', async () => {
    await call(base, 'POST', '/api', { key: 'ks-null', data: 1, keyspace: null })
    expect((await call(base, 'GET', '/api?key=ks-null')).body.data).toBe(1)
    expectClientError(await call(base, 'POST', '/api', { key: 'ks-num', data: 1, keyspace: 12 }), 400, 'ERR_INVALID_OPTION')
  })

  it('data nested deeper than the stack is a 400 ERR_NOT_SERIALIZABLE, not a 500', async () => {
    const body = '{"key":"deep","data":' + '['.repeat(20_000) + ']'.repeat(20_000) + '}'
    const answer = await call(base, 'POST', '/api', body, JSON_HEADERS)
    expect(answer.status).not.toBe(500)
    expect(answer.status).toBeGreaterThanOrEqual(400)
    expect(answer.status).toBeLessThan(500)
  })

  it('GET /api answers with exactly the bytes JSON.stringify gives, for keys and values that need escapes', async () => {
    for (const [key, data] of [['quo"te\\back', { text: 'line\nbreak "quoted" ключ 😀', n: -1.5e-7 }], ['ключ/😀', ['a', null, true, 0]], ['plain', 'just a string']] as const) {
      await served.cache.set(key, data)
      const got = await call(base, 'GET', `/api?key=${encodeURIComponent(key)}`)
      expect(got.status).toBe(200)
      expect(got.type).toBe('application/json; charset=utf-8')
      expect(got.text).toBe(JSON.stringify({ key, data, node }))
    }
  })

  it('GET /api of an absent key is a 404 JSON with ERR_NOT_FOUND', async () => {
    const answer = await call(base, 'GET', '/api?key=never-written')
    expectClientError(answer, 404, 'ERR_NOT_FOUND')
  })

  it('returns bytes set through the library as {"$bytes": base64}', async () => {
    await served.cache.set('raw', new Uint8Array([0, 1, 2, 253, 254, 255]))
    const got = await call(base, 'GET', '/api?key=raw')
    expect(got.status).toBe(200)
    expect(got.body).toEqual({ key: 'raw', data: { $bytes: Buffer.from([0, 1, 2, 253, 254, 255]).toString('base64') }, node })
  })

  it('?keyspace= scopes a key: the same key in two keyspaces holds two values', async () => {
    expect((await call(base, 'POST', '/api', { key: 'same', data: 'default-value' })).status).toBe(200)
    expect((await call(base, 'POST', '/api', { key: 'same', data: 'users-value', keyspace: 'users' })).status).toBe(200)

    expect((await call(base, 'GET', '/api?key=same')).body.data).toBe('default-value')
    expect((await call(base, 'GET', '/api?key=same&keyspace=users')).body.data).toBe('users-value')
    // An empty keyspace parameter means the default keyspace.
    expect((await call(base, 'GET', '/api?key=same&keyspace=')).body.data).toBe('default-value')
    expect(await served.cache.keyspace('users').get('same')).toBe('users-value')

    // A key only in one keyspace is absent from the other.
    expect((await call(base, 'POST', '/api', { key: 'only-users', data: 1, keyspace: 'users' })).status).toBe(200)
    expectClientError(await call(base, 'GET', '/api?key=only-users'), 404, 'ERR_NOT_FOUND')

    // Deleting in one keyspace leaves the other alone.
    const deleted = await call(base, 'DELETE', '/api?key=same&keyspace=users')
    expect(deleted.status).toBe(200)
    expect(deleted.body).toMatchObject({ key: 'same', deleted: true })
    expectClientError(await call(base, 'GET', '/api?key=same&keyspace=users'), 404, 'ERR_NOT_FOUND')
    expect((await call(base, 'GET', '/api?key=same')).body.data).toBe('default-value')
  })

  it('ttlMs in POST /api shows in GET /api/ttl; no ttlMs is -1; absent is 404', async () => {
    const ttlMs = 60_000
    expect((await call(base, 'POST', '/api', { key: 'ttl:with', data: 1, ttlMs })).status).toBe(200)
    const withTtl = await call(base, 'GET', '/api/ttl?key=ttl:with')
    expect(withTtl.status).toBe(200)
    expect(withTtl.body.key).toBe('ttl:with')
    expect(typeof withTtl.body.ttlMs).toBe('number')
    expect(withTtl.body.ttlMs).toBeGreaterThan(0)
    expect(withTtl.body.ttlMs).toBeLessThanOrEqual(ttlMs)

    expect((await call(base, 'POST', '/api', { key: 'ttl:without', data: 1 })).status).toBe(200)
    const without = await call(base, 'GET', '/api/ttl?key=ttl:without')
    expect(without.status).toBe(200)
    expect(without.body).toMatchObject({ key: 'ttl:without', ttlMs: -1 })

    // ttlMs 0 means never expires.
    expect((await call(base, 'POST', '/api', { key: 'ttl:zero', data: 1, ttlMs: 0 })).status).toBe(200)
    expect((await call(base, 'GET', '/api/ttl?key=ttl:zero')).body.ttlMs).toBe(-1)

    expectClientError(await call(base, 'GET', '/api/ttl?key=ttl:absent'), 404, 'ERR_NOT_FOUND')
    expectClientError(await call(base, 'GET', '/api/ttl'), 400)
  })

  it('ttlMs is scoped by keyspace in GET /api/ttl', async () => {
    expect((await call(base, 'POST', '/api', { key: 'ttl:ks', data: 1, ttlMs: 30_000, keyspace: 'sessions' })).status).toBe(200)
    const scoped = await call(base, 'GET', '/api/ttl?key=ttl:ks&keyspace=sessions')
    expect(scoped.status).toBe(200)
    expect(scoped.body.ttlMs).toBeGreaterThan(0)
    expect(scoped.body.ttlMs).toBeLessThanOrEqual(30_000)
    expectClientError(await call(base, 'GET', '/api/ttl?key=ttl:ks'), 404, 'ERR_NOT_FOUND')
  })

  it('POST /api/expire sets a new TTL, 0 removes it, an absent key is 404', async () => {
    expect((await call(base, 'POST', '/api', { key: 'exp', data: 'v' })).status).toBe(200)
    expect((await call(base, 'GET', '/api/ttl?key=exp')).body.ttlMs).toBe(-1)

    const set = await call(base, 'POST', '/api/expire', { key: 'exp', ttlMs: 45_000 })
    expect(set.status).toBe(200)
    expect(set.body).toMatchObject({ key: 'exp', ttlMs: 45_000 })
    const after = (await call(base, 'GET', '/api/ttl?key=exp')).body.ttlMs
    expect(after).toBeGreaterThan(0)
    expect(after).toBeLessThanOrEqual(45_000)
    // The value itself is untouched.
    expect((await call(base, 'GET', '/api?key=exp')).body.data).toBe('v')

    expect((await call(base, 'POST', '/api/expire', { key: 'exp', ttlMs: 0 })).status).toBe(200)
    expect((await call(base, 'GET', '/api/ttl?key=exp')).body.ttlMs).toBe(-1)

    expectClientError(await call(base, 'POST', '/api/expire', { key: 'exp:absent', ttlMs: 1000 }), 404, 'ERR_NOT_FOUND')
    expectClientError(await call(base, 'POST', '/api/expire', { key: 'exp', ttlMs: -1 }), 400, 'ERR_INVALID_TTL')
    expectClientError(await call(base, 'POST', '/api/expire', { key: 'exp' }), 400, 'ERR_INVALID_TTL')
    expectClientError(await call(base, 'POST', '/api/expire', { ttlMs: 1000 }), 400)
    // The failed calls changed nothing.
    expect((await call(base, 'GET', '/api/ttl?key=exp')).body.ttlMs).toBe(-1)
  })

  it('DELETE /api deletes once: 200 {key, deleted: true}, then 404', async () => {
    expect((await call(base, 'POST', '/api', { key: 'gone', data: { x: 1 } })).status).toBe(200)
    const first = await call(base, 'DELETE', '/api?key=gone')
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ key: 'gone', deleted: true })
    expectClientError(await call(base, 'GET', '/api?key=gone'), 404, 'ERR_NOT_FOUND')
    expectClientError(await call(base, 'DELETE', '/api?key=gone'), 404, 'ERR_NOT_FOUND')
    expect(await served.cache.has('gone')).toBe(false)
  })

  it('GET /status has peerId, members and keys', async () => {
    const answer = await call(base, 'GET', '/status')
    expect(answer.status).toBe(200)
    expect(answer.type).toMatch(/^application\/json/)
    expect(answer.body.peerId).toBe(node)
    expect(Array.isArray(answer.body.members)).toBe(true)
    expect(answer.body.members.map((m: { peerId: string }) => m.peerId)).toEqual([node])
    expect(typeof answer.body.keys).toBe('number')
    expect(answer.body.keys).toBe((await served.cache.status()).keys)
    expect(answer.body.keys).toBeGreaterThan(0)
  })
})
