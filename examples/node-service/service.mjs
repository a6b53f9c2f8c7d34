// The service: GET /items/:id read through a meshcache mesh shared by every
// instance, in front of the slow upstream. Each instance is one meshcache
// peer; the first has no bootstrap, the others name the first's multiaddr.
//
//   node examples/node-service/service.mjs --upstream http://127.0.0.1:PORT [--port 0]
//        [--mesh items] [--bootstrap /ip4/127.0.0.1/tcp/N/p2p/12D3Koo…] [--no-cache]
//
// GET /items/:id  → the item (header x-cache: hit | load | bypass)
// GET /stats      → this instance's requests, upstream calls and meshcache status figures
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import { createCache } from 'meshcache'

const UPSTREAM_TIMEOUT_MS = 5_000
const ITEM_TTL_MS = 60_000

class UpstreamError extends Error {}

async function fetchItem (upstreamUrl, id) {
  const res = await fetch(`${upstreamUrl}/items/${encodeURIComponent(id)}`, { signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) })
  if (res.status === 404) { await res.body?.cancel(); return undefined }
  if (!res.ok) { await res.body?.cancel(); throw new UpstreamError(`upstream answered ${res.status}`) }
  return res.json()
}

/**
 * Starts one instance: a meshcache peer (unless useCache is false) and an HTTP
 * server on 127.0.0.1:port (0 = a free port).
 * Resolves with { url, port, multiaddrs, cache, stats(), close() }.
 */
export async function startService ({ upstreamUrl, bootstrap = [], mesh = 'node-service', port = 0, useCache = true }) {
  if (upstreamUrl == null) throw new Error('startService: upstreamUrl is required')
  const cache = useCache
    ? await createCache({ mesh, bootstrap, listen: ['/ip4/127.0.0.1/tcp/0'] })
    : undefined
  const counts = { requests: 0, hits: 0, upstreamCalls: 0, errors: 0 }

  const app = Fastify({ logger: false })
  app.get('/items/:id', async (request, reply) => {
    const { id } = request.params
    counts.requests++
    try {
      let item
      if (cache == null) {
        counts.upstreamCalls++
        item = await fetchItem(upstreamUrl, id)
        reply.header('x-cache', 'bypass')
      } else {
        // The loader runs only when this request got the mesh-wide lease for the key;
        // every other request for it, on any instance, waits for that one load.
        let loaded = false
        item = await cache.getOrLoad('item:' + id, async () => {
          loaded = true
          counts.upstreamCalls++
          return fetchItem(upstreamUrl, id)
        }, { ttlMs: ITEM_TTL_MS })
        if (!loaded) counts.hits++
        reply.header('x-cache', loaded ? 'load' : 'hit')
      }
      if (item === undefined) return reply.code(404).send({ error: 'no such item' })
      return item
    } catch (err) {
      counts.errors++
      return reply.code(502).send({ error: err.message, code: err.code })
    }
  })

  const stats = async () => {
    const out = { ...counts, useCache }
    if (cache != null) {
      const s = await cache.status()
      out.cache = { peerId: s.peerId, members: s.members.length, keys: s.keys, hits: s.hits, misses: s.misses, loads: s.loads, near: s.near }
    }
    return out
  }
  app.get('/stats', async () => stats())

  try {
    await app.listen({ host: '127.0.0.1', port })
  } catch (err) {
    await cache?.stop()
    throw err
  }
  const { port: bound } = app.server.address()
  let closing
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    multiaddrs: cache?.multiaddrs.map(String) ?? [],
    cache,
    stats,
    /** Stops the HTTP server, then the cache peer (which hands its keys to the others). */
    close () {
      closing ??= (async () => {
        await app.close()
        await cache?.stop()
      })()
      return closing
    }
  }
}

if (process.argv[1] != null && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      upstream: { type: 'string' },
      port: { type: 'string', default: '0' },
      mesh: { type: 'string', default: 'node-service' },
      bootstrap: { type: 'string', multiple: true, default: [] },
      'no-cache': { type: 'boolean', default: false }
    }
  })
  if (values.upstream == null) {
    console.error('usage: service.mjs --upstream http://127.0.0.1:PORT [--port 0] [--mesh name] [--bootstrap multiaddr]… [--no-cache]')
    process.exit(2)
  }
  const service = await startService({
    upstreamUrl: values.upstream,
    bootstrap: values.bootstrap,
    mesh: values.mesh,
    port: Number(values.port),
    useCache: !values['no-cache']
  })
  console.log(`service listening on ${service.url}  (GET /items/:id, GET /stats)`)
  for (const addr of service.multiaddrs) console.log(`meshcache peer: ${addr}`)
  const stop = async () => {
    const timer = setTimeout(() => process.exit(1), 10_000)
    await service.close()
    clearTimeout(timer)
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
