// A deliberately slow upstream JSON API: the "expensive store" the service
// caches in front of. Every GET /items/:id answers after ~delayMs with a
// deterministic { id, name, price } and is counted; GET /stats reports the count.
//
//   node examples/node-service/upstream.mjs [--port 0] [--delay 50]
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'

const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

/** The item an id stands for: the same on every call, so callers can check what they got. */
export function itemFor (id) {
  let h = 2166136261
  for (const c of String(id)) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
  return { id, name: `item ${id}`, price: (h % 10_000) / 100 }
}

/**
 * Starts the upstream on 127.0.0.1 (port 0 = a free one).
 * Resolves with { url, port, stats(), reset(), close() }.
 */
export async function startUpstream ({ port = 0, delayMs = 50 } = {}) {
  const app = Fastify({ logger: false })
  let calls = 0
  const perId = new Map()

  app.get('/items/:id', async (request, reply) => {
    const { id } = request.params
    calls++
    perId.set(id, (perId.get(id) ?? 0) + 1)
    await sleep(delayMs)
    if (!/^[0-9]{1,9}$/.test(id)) return reply.code(404).send({ error: 'no such item' })
    return itemFor(id)
  })

  const stats = () => {
    let maxCallsPerId = 0
    for (const n of perId.values()) maxCallsPerId = Math.max(maxCallsPerId, n)
    return { calls, distinctIds: perId.size, maxCallsPerId }
  }
  app.get('/stats', async () => stats())

  await app.listen({ host: '127.0.0.1', port })
  const { port: bound } = app.server.address()
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    stats,
    reset () { calls = 0; perId.clear() },
    close: () => app.close()
  }
}

if (process.argv[1] != null && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, delay: { type: 'string', default: '50' } } })
  const upstream = await startUpstream({ port: Number(values.port), delayMs: Number(values.delay) })
  console.log(`upstream listening on ${upstream.url}  (GET /items/:id, GET /stats)`)
  const stop = async () => { await upstream.close(); process.exit(0) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
