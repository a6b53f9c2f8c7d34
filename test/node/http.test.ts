import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../node/index.js'
import { createHttpApi, listenHttp } from '../../node/http.js'
import { eventually, startCluster } from '../helpers/cluster.js'
import type { MeshCache } from '../../node/index.js'
import type { Cluster } from '../helpers/cluster.js'
import type { FastifyInstance } from 'fastify'

const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']
const JSON_HEADERS = { 'content-type': 'application/json' }
/** Small, so a value over it still fits well inside the HTTP body limit. */
const MAX_VALUE_BYTES = 256

const meshName = (what: string): string => `http-${what}-${Math.random().toString(36).slice(2, 10)}`

/** Teardown never hangs: every close/stop gets at most `ms`. */
async function bounded (work: Promise<unknown>, ms = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    work.catch(() => {}),
    new Promise(resolve => { timer = setTimeout(resolve, ms) })
  ])
  clearTimeout(timer)
}

interface Served { cache: MeshCache, app: FastifyInstance, base: string }

async function serve (cache: MeshCache, options: Parameters<typeof createHttpApi>[1] = {}): Promise<Served> {
  const app = createHttpApi(cache, options)
  const base = await listenHttp(app, 0)
  return { cache, app, base }
}

interface Answer { status: number, type: string | null, body: any, text: string }

async function call (base: string, method: string, path: string, body?: string | object, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } }
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    if (typeof body !== 'string') (init.headers as Record<string, string>)['content-type'] = 'application/json'
  }
  const res = await fetch(new URL(path, base), init)
  const text = await res.text()
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch { parsed = undefined }
  return { status: res.status, type: res.headers.get('content-type'), body: parsed, text }
}

/** A client mistake: a 4xx (never a 500) with a JSON `{ error, code }`. */
function expectClientError (answer: Answer, status: number, code?: string): void {
  expect(answer.status, answer.text).toBe(status)
  expect(answer.type).toMatch(/^application\/json/)
  expect(typeof answer.body?.error).toBe('string')
  expect(typeof answer.body?.code).toBe('string')
  if (code !== undefined) expect(answer.body.code).toBe(code)
}

describe('HTTP API of one peer', () => {
  let served: Served
  let base: string
  let node: string

  beforeAll(async () => {
    const cache = await createCache({ mesh: meshName('one'), listen: LOOPBACK, maxValueBytes: MAX_VALUE_BYTES })
    try {
      served = await serve(cache)
    } catch (err) {
      await bounded(cache.stop())
      throw err
    }
    base = served.base
    node = cache.peerId
  })

  afterAll(async () => {
    if (served == null) return
    await bounded(served.app.close())
    await bounded(served.cache.stop())
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

describe('HTTP API options and counters', () => {
  const started: Served[] = []

  afterEach(async () => {
    for (const s of started.splice(0)) {
      await bounded(s.app.close())
      await bounded(s.cache.stop())
    }
  })

  async function start (options: Parameters<typeof createHttpApi>[1] = {}): Promise<Served> {
    const cache = await createCache({ mesh: meshName('own'), listen: LOOPBACK })
    try {
      const s = await serve(cache, options)
      started.push(s)
      return s
    } catch (err) {
      await bounded(cache.stop())
      throw err
    }
  }

  it('a body over a configured bodyLimit is 413 JSON and stores nothing', async () => {
    const { base } = await start({ bodyLimit: 1024 })
    expect((await call(base, 'POST', '/api', { key: 'small', data: 'x'.repeat(500) })).status).toBe(200)
    expectClientError(await call(base, 'POST', '/api', { key: 'large', data: 'x'.repeat(2000) }), 413)
    expectClientError(await call(base, 'GET', '/api?key=large'), 404, 'ERR_NOT_FOUND')
  })

  it('GET /metrics is Prometheus text whose counters match the requests made', async () => {
    const { base } = await start()
    const sample = (text: string, name: string): number => {
      const line = text.split('\n').find(l => l.startsWith(name + ' '))
      expect(line, `${name} in\n${text}`).toBeDefined()
      return Number(line!.slice(name.length + 1))
    }

    const before = await call(base, 'GET', '/metrics')
    expect(before.status).toBe(200)
    expect(before.type).toMatch(/^text\/plain/)
    expect(sample(before.text, 'meshcache_hits_total')).toBe(0)
    expect(sample(before.text, 'meshcache_misses_total')).toBe(0)

    for (const key of ['a', 'b', 'c']) expect((await call(base, 'POST', '/api', { key, data: key })).status).toBe(200)
    expect((await call(base, 'POST', '/api', { key: 'u', data: 1, keyspace: 'users' })).status).toBe(200)
    for (const key of ['a', 'b', 'a', 'c']) expect((await call(base, 'GET', `/api?key=${key}`)).status).toBe(200)
    expect((await call(base, 'GET', '/api?key=u&keyspace=users')).status).toBe(200)
    for (const key of ['x', 'y']) expect((await call(base, 'GET', `/api?key=${key}`)).status).toBe(404)

    const after = await call(base, 'GET', '/metrics')
    expect(after.status).toBe(200)
    expect(after.type).toMatch(/^text\/plain/)
    const text = after.text
    expect(text.endsWith('\n')).toBe(true)
    // Every line is a comment or `name{labels} number`.
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) meshcache_\w+ .+|meshcache_\w+(\{keyspace="[^"]*"\})? -?\d+(\.\d+)?(e[+-]?\d+)?)$/)
    }
    expect(text).toContain('# TYPE meshcache_hits_total counter')
    expect(text).toContain('# TYPE meshcache_keys gauge')
    expect(sample(text, 'meshcache_hits_total')).toBe(5)
    expect(sample(text, 'meshcache_misses_total')).toBe(2)
    expect(sample(text, 'meshcache_members')).toBe(1)
    expect(sample(text, 'meshcache_keys{keyspace="default"}')).toBe(3)
    expect(sample(text, 'meshcache_keys{keyspace="users"}')).toBe(1)

    expect((await call(base, 'DELETE', '/api?key=b')).status).toBe(200)
    expect(sample((await call(base, 'GET', '/metrics')).text, 'meshcache_keys{keyspace="default"}')).toBe(2)
  })
})

describe('HTTP API on a two-peer mesh', () => {
  let cluster: Cluster | undefined
  const apps: FastifyInstance[] = []

  afterEach(async () => {
    for (const app of apps.splice(0)) await bounded(app.close())
    if (cluster != null) await bounded(cluster.stop(), 20_000)
    cluster = undefined
  })

  it('a value POSTed through peer A is read through peer B, with node = B', async () => {
    cluster = await startCluster(2, { mesh: meshName('two') })
    const [a, b] = cluster.peers
    const apiA = await serve(a)
    apps.push(apiA.app)
    const apiB = await serve(b)
    apps.push(apiB.app)
    expect(a.peerId).not.toBe(b.peerId)

    const data = { order: 42, items: ['tea', 'milk'] }
    const posted = await call(apiA.base, 'POST', '/api', { key: 'order:42', data })
    expect(posted.status).toBe(200)
    expect(posted.body).toEqual({ key: 'order:42', data, node: a.peerId })

    await eventually(async () => {
      const got = await call(apiB.base, 'GET', '/api?key=order%3A42')
      expect(got.status).toBe(200)
      expect(got.body).toEqual({ key: 'order:42', data, node: b.peerId })
    })

    // A keyspace write through B reaches A, and a delete through A reaches B.
    expect((await call(apiB.base, 'POST', '/api', { key: 'ada', data: 'Ada', keyspace: 'users' })).status).toBe(200)
    await eventually(async () => {
      const got = await call(apiA.base, 'GET', '/api?key=ada&keyspace=users')
      expect(got.body).toEqual({ key: 'ada', data: 'Ada', node: a.peerId })
    })
    expect((await call(apiA.base, 'DELETE', '/api?key=order%3A42')).status).toBe(200)
    await eventually(async () => {
      expectClientError(await call(apiB.base, 'GET', '/api?key=order%3A42'), 404, 'ERR_NOT_FOUND')
    })

    const status = await call(apiB.base, 'GET', '/status')
    expect(status.body.members.map((m: { peerId: string }) => m.peerId).sort()).toEqual([a.peerId, b.peerId].sort())
    expect(sampleOf((await call(apiA.base, 'GET', '/metrics')).text, 'meshcache_members')).toBe(2)
  })
})

function sampleOf (text: string, name: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(name + ' '))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}
