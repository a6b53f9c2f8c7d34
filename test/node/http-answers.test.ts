import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../node/index.js'
import { LOOPBACK, bounded, call, expectClientError, meshName, serve, startOnePeer, stopOnePeer } from './http-helpers.js'
import type { Served } from './http-helpers.js'

// The /api answers are written by compiled response schemas: their text must
// be what JSON.stringify gave before, for any JSON value and any key.
describe('HTTP API answers, byte for byte', () => {
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

  const values: unknown[] = [
    { name: 'Ada', tags: ['x', 'y'], n: 7.5, nested: { ok: true, none: null, deeper: [{}, []] } },
    [], {}, [1, 'two', null, false, { three: [3] }],
    'text', '', 'quote " backslash \\ newline \n tab \t nul \u0000 line sep \u2028 emoji 😀 é',
    'a lone surrogate \ud800 stays escaped',
    0, 1, -1, 0.1, 1e21, -1.5e-7, Number.MAX_SAFE_INTEGER, 2 ** 60,
    true, false, null,
    { 10: 'numeric key first', b: 1, a: 2, 'odd "key"': 3, '': 4 }
  ]

  it('POST and GET /api answer JSON.stringify({ key, data, node }) for every kind of JSON value', async () => {
    for (const [i, data] of values.entries()) {
      const key = `answer:${i}`
      const expected = JSON.stringify({ key, data, node })
      const posted = await call(base, 'POST', '/api', { key, data })
      expect(posted.status, posted.text).toBe(200)
      expect(posted.text).toBe(expected)
      expect(posted.type).toMatch(/^application\/json/)
      const got = await call(base, 'GET', `/api?key=${encodeURIComponent(key)}`)
      expect(got.status, got.text).toBe(200)
      expect(got.text).toBe(expected)
      expect(got.type).toMatch(/^application\/json/)
    }
  })

  it('keys that need escaping, around fast-json-stringify\'s length thresholds, are written as JSON.stringify writes them', async () => {
    const keys = ['"', '\\', 'tab\there', 'new\nline', '\u2028', '😀', 'é'.repeat(41), 'x'.repeat(41), 'x'.repeat(42), 'q"'.repeat(30), 'k'.repeat(1024)]
    for (const key of keys) {
      const expected = JSON.stringify({ key, data: key.length, node })
      expect((await call(base, 'POST', '/api', { key, data: key.length })).text).toBe(expected)
      expect((await call(base, 'GET', `/api?key=${encodeURIComponent(key)}`)).text).toBe(expected)
      expect((await call(base, 'DELETE', `/api?key=${encodeURIComponent(key)}`)).text).toBe(JSON.stringify({ key, deleted: true, node }))
    }
  })

  it('bytes set through the library come back as { $bytes } of exactly those bytes, from a subarray too', async () => {
    const backing = new Uint8Array([9, 9, 0, 1, 2, 253, 254, 255, 9])
    await served.cache.set('bytes', backing.subarray(2, 8))
    const got = await call(base, 'GET', '/api?key=bytes')
    expect(got.text).toBe(JSON.stringify({ key: 'bytes', data: { $bytes: Buffer.from([0, 1, 2, 253, 254, 255]).toString('base64') }, node }))
  })

  it('errors keep their own shapes: a miss is { error, code, key }', async () => {
    const missing = await call(base, 'GET', '/api?key=answer%3Anever')
    expectClientError(missing, 404, 'ERR_NOT_FOUND')
    expect(missing.body).toEqual({ error: 'not found', code: 'ERR_NOT_FOUND', key: 'answer:never' })
  })
})

describe('HTTP API keyspace handles', () => {
  const started: Served[] = []

  afterEach(async () => {
    for (const s of started.splice(0)) {
      await bounded(s.app.close())
      await bounded(s.cache.stop())
    }
  })

  it('a keyspace used before keeps working after it is dropped, and a stopped cache is a 503 in a keyspace too', async () => {
    const cache = await createCache({ mesh: meshName('handles'), listen: LOOPBACK })
    const s = await serve(cache)
    started.push(s)
    expect((await call(s.base, 'POST', '/api', { key: 'k', data: 1, keyspace: 'users' })).status).toBe(200)
    expect(await cache.dropKeyspace('users')).toBeGreaterThanOrEqual(1)
    expectClientError(await call(s.base, 'GET', '/api?key=k&keyspace=users'), 404, 'ERR_NOT_FOUND')
    expect((await call(s.base, 'POST', '/api', { key: 'k', data: 2, keyspace: 'users' })).status).toBe(200)
    expect((await call(s.base, 'GET', '/api?key=k&keyspace=users')).body.data).toBe(2)
    expect(await cache.keyspaces()).toContain('users')

    await cache.stop()
    const closed = await call(s.base, 'GET', '/api?key=k&keyspace=users')
    expect(closed.status).toBe(503)
    expect(closed.body.code).toBe('ERR_CLOSED')
    expect((await call(s.base, 'GET', '/api?key=k&keyspace=never-used')).body.code).toBe('ERR_CLOSED')
  })
})
