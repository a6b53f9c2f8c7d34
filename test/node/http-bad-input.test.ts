import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JSON_HEADERS, MAX_VALUE_BYTES, call, expectClientError, startOnePeer, stopOnePeer } from './http-helpers.js'
import type { Served } from './http-helpers.js'

describe('HTTP API of one peer', () => {
  let served: Served
  let base: string

  beforeAll(async () => {
    served = await startOnePeer()
    base = served.base
  })

  afterAll(async () => {
    await stopOnePeer(served)
  })

  describe('bad input is a 4xx JSON {error, code}, never a 500', () => {
    it('a missing or empty key, on GET, POST, DELETE and the TTL routes', async () => {
      expectClientError(await call(base, 'GET', '/api'), 400)
      expectClientError(await call(base, 'GET', '/api?key='), 400)
      expectClientError(await call(base, 'DELETE', '/api'), 400)
      expectClientError(await call(base, 'POST', '/api', { data: 1 }), 400)
      expectClientError(await call(base, 'POST', '/api', { key: '', data: 1 }), 400)
      expectClientError(await call(base, 'POST', '/api', { key: 5, data: 1 }), 400)
      expectClientError(await call(base, 'GET', '/api/ttl?key='), 400)
    })

    it('a body without data', async () => {
      expectClientError(await call(base, 'POST', '/api', { key: 'no-data' }), 400)
      expectClientError(await call(base, 'GET', '/api?key=no-data'), 404, 'ERR_NOT_FOUND')
    })

    it('a JSON body that is not an object: array, string, number, null', async () => {
      for (const body of ['[{"key":"k","data":1}]', '"k"', '42', 'null', 'true']) {
        expectClientError(await call(base, 'POST', '/api', body, JSON_HEADERS), 400)
        expectClientError(await call(base, 'POST', '/api/expire', body, JSON_HEADERS), 400)
      }
    })

    it('invalid JSON and an empty JSON body', async () => {
      expectClientError(await call(base, 'POST', '/api', '{"key": "k", "data": ', JSON_HEADERS), 400)
      expectClientError(await call(base, 'POST', '/api', '{key: k}', JSON_HEADERS), 400)
      expectClientError(await call(base, 'POST', '/api', '', JSON_HEADERS), 400)
    })

    it('a body of another content type, and none at all', async () => {
      expectClientError(await call(base, 'POST', '/api', 'key=k&data=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415)
      expectClientError(await call(base, 'POST', '/api', '{"key":"k","data":1}', { 'content-type': 'application/xml' }), 415)
      // text/plain is parsed as a string, which is not an object.
      expectClientError(await call(base, 'POST', '/api', '{"key":"k","data":1}', { 'content-type': 'text/plain' }), 400)
      expectClientError(await call(base, 'POST', '/api'), 400)
      expectClientError(await call(base, 'GET', '/api?key=k'), 404, 'ERR_NOT_FOUND')
    })

    it('a value over maxValueBytes is 413 ERR_VALUE_TOO_LARGE and is not stored', async () => {
      const data = 'x'.repeat(MAX_VALUE_BYTES + 10)
      expectClientError(await call(base, 'POST', '/api', { key: 'big', data }), 413, 'ERR_VALUE_TOO_LARGE')
      expectClientError(await call(base, 'GET', '/api?key=big'), 404, 'ERR_NOT_FOUND')
      // Just under the bound is fine: the JSON string plus its quotes.
      const fits = 'x'.repeat(MAX_VALUE_BYTES - 2)
      expect((await call(base, 'POST', '/api', { key: 'big', data: fits })).status).toBe(200)
      expect((await call(base, 'GET', '/api?key=big')).body.data).toBe(fits)
    })

    it('a body over the default body limit (1 MiB + 64 KiB) is 413', async () => {
      const data = 'y'.repeat(1024 * 1024 + 64 * 1024 + 1)
      expectClientError(await call(base, 'POST', '/api', { key: 'huge', data }), 413)
      expectClientError(await call(base, 'GET', '/api?key=huge'), 404, 'ERR_NOT_FOUND')
    })

    it('an invalid keyspace name is 400 ERR_INVALID_OPTION, in the query and in the body', async () => {
      for (const keyspace of ['bad name', 'a/b', '-leading-dash', 'x'.repeat(129)]) {
        const q = encodeURIComponent(keyspace)
        expectClientError(await call(base, 'GET', `/api?key=k&keyspace=${q}`), 400, 'ERR_INVALID_OPTION')
        expectClientError(await call(base, 'DELETE', `/api?key=k&keyspace=${q}`), 400, 'ERR_INVALID_OPTION')
        expectClientError(await call(base, 'GET', `/api/ttl?key=k&keyspace=${q}`), 400, 'ERR_INVALID_OPTION')
        expectClientError(await call(base, 'POST', '/api', { key: 'k', data: 1, keyspace }), 400, 'ERR_INVALID_OPTION')
        expectClientError(await call(base, 'POST', '/api/expire', { key: 'k', ttlMs: 1, keyspace }), 400, 'ERR_INVALID_OPTION')
      }
    })

    it('a negative or non-integer ttlMs is 400 ERR_INVALID_TTL and stores nothing', async () => {
      for (const ttlMs of [-1, -60_000, 1.5, '1000']) {
        expectClientError(await call(base, 'POST', '/api', { key: 'bad-ttl', data: 1, ttlMs }), 400, 'ERR_INVALID_TTL')
      }
      expectClientError(await call(base, 'GET', '/api?key=bad-ttl'), 404, 'ERR_NOT_FOUND')
    })

    it('a key over 1024 bytes of UTF-8 is 400 ERR_INVALID_KEY; 1024 bytes is fine', async () => {
      const long = 'k'.repeat(1025)
      expectClientError(await call(base, 'POST', '/api', { key: long, data: 1 }), 400, 'ERR_INVALID_KEY')
      expectClientError(await call(base, 'GET', `/api?key=${long}`), 400, 'ERR_INVALID_KEY')
      expectClientError(await call(base, 'DELETE', `/api?key=${long}`), 400, 'ERR_INVALID_KEY')
      // 342 three-byte characters: 1026 bytes although only 342 UTF-16 units.
      const wide = '€'.repeat(342)
      expectClientError(await call(base, 'POST', '/api', { key: wide, data: 1 }), 400, 'ERR_INVALID_KEY')

      const limit = 'k'.repeat(1024)
      expect((await call(base, 'POST', '/api', { key: limit, data: 'at the limit' })).status).toBe(200)
      expect((await call(base, 'GET', `/api?key=${limit}`)).body.data).toBe('at the limit')
    })

    it('a key with a lone surrogate is 400 ERR_INVALID_KEY', async () => {
      expectClientError(await call(base, 'POST', '/api', '{"key":"a\\ud800","data":1}', JSON_HEADERS), 400, 'ERR_INVALID_KEY')
    })

    it('an unknown route or method is a 404 JSON', async () => {
      expectClientError(await call(base, 'GET', '/nope'), 404, 'ERR_NOT_FOUND')
      expectClientError(await call(base, 'GET', '/api/nope?key=k'), 404, 'ERR_NOT_FOUND')
      expectClientError(await call(base, 'PUT', '/api?key=k', { key: 'k', data: 1 }), 404, 'ERR_NOT_FOUND')
    })
  })
})
