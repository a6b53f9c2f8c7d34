/**
 * The serving side of the HTTP suite (bench/http.ts), in its own process so
 * that ab and the server do not share a thread. `meshcache`: a single-peer
 * mesh (it owns every key) behind createHttpApi. `bare`: plain fastify over a
 * Map with the same routes, the same JSON shapes and the same response
 * schemas, and nothing else: the most fastify gives for this. Prints one JSON line `{ port, node }` when
 * listening; exits on SIGTERM.
 */
import Fastify from 'fastify'
import { createCache } from '../node/index.js'
import { createHttpApi, listenHttp } from '../node/http.js'
import type { FastifyInstance, FastifyReply } from 'fastify'

const kind = process.argv[2]
let app: FastifyInstance
let node: string
let stopCache = async (): Promise<void> => {}

if (kind === 'meshcache') {
  const cache = await createCache({ mesh: 'bench-http', replicas: 1, listen: ['/ip4/127.0.0.1/tcp/0'] })
  node = cache.peerId
  app = createHttpApi(cache)
  stopCache = async () => { await cache.stop() }
} else if (kind === 'bare') {
  // As long as an Ed25519 peer id, so both answers carry the same bytes.
  node = '12D3KooW' + 'b'.repeat(44)
  app = bare(node)
} else {
  throw new Error(`usage: http-server.js meshcache|bare (got ${String(kind)})`)
}

const url = await listenHttp(app, 0)
console.log(JSON.stringify({ port: Number(new URL(url).port), node }))

let stopping = false
process.on('SIGTERM', () => {
  if (stopping) return
  stopping = true
  // A clean exit writes --cpu-prof's profile; the bound keeps a stuck close from holding it.
  const timer = setTimeout(() => process.exit(0), 2_000)
  void app.close().then(stopCache).finally(() => { clearTimeout(timer); process.exit(0) })
})

function bare (node: string): FastifyInstance {
  const store = new Map<string, unknown>()
  const app = Fastify()
  // The fastest answer fastify has for this shape, as the peer's API uses: a compiled response schema.
  const schema = { response: { 200: { type: 'object', properties: { key: { type: 'string' }, data: {}, node: { const: node } } } } }
  app.post('/api', { schema }, async (req: { body: any }) => {
    const { key, data } = req.body
    store.set(key, data)
    return { key, data, node }
  })
  app.get('/api', { schema }, async (req: { query: any }, reply: FastifyReply) => {
    const key: string = req.query.key
    const data = store.get(key)
    if (data === undefined) return reply.code(404).send({ error: 'not found', code: 'ERR_NOT_FOUND', key })
    return { key, data, node }
  })
  return app
}
