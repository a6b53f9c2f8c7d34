import { afterEach, describe, expect, it } from 'vitest'
import { createCache } from '../../node/index.js'
import { LOOPBACK, bounded, call, expectClientError, meshName, serve } from './http-helpers.js'
import type { createHttpApi } from '../../node/http.js'
import type { Served } from './http-helpers.js'

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
