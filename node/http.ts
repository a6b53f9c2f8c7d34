import Fastify from 'fastify'
import { isMeshCacheError } from '../src/index.js'
import { decodeValue, jsonTextOf } from '../src/values.js'
import type { Keyspace, MeshCache, Value } from '../src/index.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export interface HttpApiOptions {
  /** Largest request body. Default: the cache's value bound plus room for the envelope (1 MiB + 64 KiB). */
  bodyLimit?: number
}

type Query = { key?: string, keyspace?: string }

const MAX_HANDLES = 1024

/**
 * The HTTP JSON API of a peer, Smache-compatible: `GET /` → `{}`,
 * `GET /api?key=K` → `{ key, data, node }` (404 when absent), `POST /api`
 * with `{ key, data }`. Beyond Smache: `DELETE /api`, `?keyspace=`, TTLs,
 * `GET /status` and Prometheus `GET /metrics`. A user's mistake is always a
 * 4xx with `{ error, code }`, never a 500.
 */
export function createHttpApi (cache: MeshCache, options: HttpApiOptions = {}): FastifyInstance {
  const app = Fastify({ bodyLimit: options.bodyLimit ?? 1024 * 1024 + 64 * 1024 })
  // Fastify's own logger stays off: failures go to the peer's `meshcache:http`.
  const log = cache.libp2p.logger.forComponent('meshcache:http')
  const node = cache.peerId
  // cache.keyspace() checks the name and builds a handle each call; a handle
  // stays valid (every call on it checks the cache is running), so one per
  // name serves every request. Bounded: names come from clients.
  const handles = new Map<string, Keyspace>()
  const defaultSpace = cache.keyspace('default')
  const space = (keyspace: unknown): Keyspace => {
    if (keyspace === undefined || keyspace === null || keyspace === '') return defaultSpace
    if (typeof keyspace !== 'string') throw badRequest('"keyspace" must be a string', 'ERR_INVALID_OPTION')
    let handle = handles.get(keyspace)
    if (handle === undefined) {
      handle = cache.keyspace(keyspace)
      if (handles.size >= MAX_HANDLES) handles.clear()
      handles.set(keyspace, handle)
    }
    return handle
  }
  // fast-json-stringify writes these answers from a function compiled once
  // per route, with this peer's id as a literal in it (`const`); `data: {}`
  // (any JSON) goes through JSON.stringify whole, as without a schema.
  const answer = (properties: Record<string, object>): { response: Record<number, object> } => ({
    response: { 200: { type: 'object', properties: { key: { type: 'string' }, ...properties, node: { const: node } } } }
  })
  const withData = { schema: answer({ data: {} }) }

  app.setErrorHandler((err: Error & { statusCode?: number, code?: string }, req, reply) => {
    if (isMeshCacheError(err)) {
      const status = statusOf(err.code)
      if (status >= 500) log('%s %s: %d, %s %s', req.method, req.url, status, err.code, err.message)
      else log.trace('%s %s: %d, %s %s', req.method, req.url, status, err.code, err.message)
      return reply.code(status).send({ error: err.message, code: err.code })
    }
    const status = err.statusCode ?? 500
    if (status >= 500) {
      // The client sees only "internal error": the cause is here.
      log.error('%s %s: 500: %e', req.method, req.url, err)
      return reply.code(500).send({ error: 'internal error', code: 'ERR_INTERNAL' })
    }
    log.trace('%s %s: %d, %s', req.method, req.url, status, err.message)
    return reply.code(status).send({ error: err.message, code: err.code ?? 'ERR_BAD_REQUEST' })
  })
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url}`, code: 'ERR_NOT_FOUND' }))

  app.get('/', async () => ({}))

  // A JSON value is stored as its JSON text: the answer is that text between
  // two ends, with no parse and no stringify (each cost bare fastify 10% of
  // its GETs, measured). The same bytes the schema would write.
  const nodeEnd = Buffer.from(`,"node":${JSON.stringify(node)}}`)
  app.get('/api', withData, async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    const key = requireKey(req.query.key)
    const encoded = await space(req.query.keyspace).getEncoded(key)
    if (encoded === undefined) return reply.code(404).send({ error: 'not found', code: 'ERR_NOT_FOUND', key })
    const text = jsonTextOf(encoded)
    if (text === undefined) return { key, data: toJson(decodeValue(encoded)), node }
    const start = `{"key":${JSON.stringify(key)},"data":`
    const startLength = Buffer.byteLength(start)
    const body = Buffer.allocUnsafe(startLength + text.byteLength + nodeEnd.byteLength)
    body.write(start, 0, startLength, 'utf8')
    body.set(text, startLength)
    body.set(nodeEnd, startLength + text.byteLength)
    return reply.type('application/json; charset=utf-8').send(body)
  })

  app.post('/api', withData, async (req: FastifyRequest<{ Body: unknown }>) => {
    const body = requireObject(req.body)
    const key = requireKey(body.key)
    if (!('data' in body)) throw badRequest('body needs "data"', 'ERR_MISSING_DATA')
    const ttlMs = body.ttlMs === undefined ? undefined : body.ttlMs as number
    await space(body.keyspace).set(key, body.data as Value, { ttlMs })
    return { key, data: body.data, node }
  })

  app.delete('/api', { schema: answer({ deleted: { type: 'boolean' } }) }, async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    const key = requireKey(req.query.key)
    const deleted = await space(req.query.keyspace).delete(key)
    if (!deleted) return reply.code(404).send({ error: 'not found', code: 'ERR_NOT_FOUND', key })
    return { key, deleted, node }
  })

  app.get('/api/ttl', async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    const key = requireKey(req.query.key)
    const ttlMs = await space(req.query.keyspace).ttl(key)
    if (ttlMs === undefined) return reply.code(404).send({ error: 'not found', code: 'ERR_NOT_FOUND', key })
    return { key, ttlMs, node }
  })

  app.post('/api/expire', async (req: FastifyRequest<{ Body: unknown }>, reply: FastifyReply) => {
    const body = requireObject(req.body)
    const key = requireKey(body.key)
    const updated = await space(body.keyspace).expire(key, body.ttlMs as number)
    if (!updated) return reply.code(404).send({ error: 'not found', code: 'ERR_NOT_FOUND', key })
    return { key, ttlMs: body.ttlMs, node }
  })

  app.get('/status', async () => cache.status())

  app.get('/metrics', async (_req, reply) => {
    reply.type('text/plain; version=0.0.4')
    return metrics(await cache.status())
  })

  return app
}

/** Starts the API on 127.0.0.1 (or `host`) and resolves with its base URL. */
export async function listenHttp (app: FastifyInstance, port: number, host = '127.0.0.1'): Promise<string> {
  return app.listen({ port, host })
}

function statusOf (code: string): number {
  switch (code) {
    case 'ERR_VALUE_TOO_LARGE': return 413
    case 'ERR_UNAVAILABLE':
    case 'ERR_CLOSED': return 503
    case 'ERR_TIMEOUT': return 504
    case 'ERR_LOADER_FAILED':
    case 'ERR_REMOTE': return 502
    default: return 400
  }
}

function requireObject (body: unknown): Record<string, unknown> {
  if (body == null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('body must be a JSON object', 'ERR_BAD_BODY')
  }
  return body as Record<string, unknown>
}

function requireKey (key: unknown): string {
  if (typeof key !== 'string' || key === '') throw badRequest('"key" is required', 'ERR_MISSING_KEY')
  return key
}

function badRequest (message: string, code: string): Error {
  return Object.assign(new Error(message), { statusCode: 400, code })
}

/** Bytes travel as base64 in JSON: `{ "$bytes": "..." }`. */
function toJson (value: Value): unknown {
  // A Buffer over the same memory: Buffer.from(value) would copy it first.
  return value instanceof Uint8Array ? { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') } : value
}

function metrics (status: Awaited<ReturnType<MeshCache['status']>>): string {
  const lines: string[] = []
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>): void => {
    lines.push(`# HELP meshcache_${name} ${help}`, `# TYPE meshcache_${name} ${type}`)
    for (const [labels, value] of samples) lines.push(`meshcache_${name}${labels} ${value}`)
  }
  metric('members', 'gauge', 'Members in this peer\'s view, itself included.', [['', status.members.length]])
  metric('keys', 'gauge', 'Entries held by this peer.', Object.entries(status.keyspaces).map(([k, v]) => [`{keyspace="${k}"}`, v.keys]))
  metric('bytes', 'gauge', 'Bytes held by this peer, by keyspace.', Object.entries(status.keyspaces).map(([k, v]) => [`{keyspace="${k}"}`, v.bytes]))
  metric('hits_total', 'counter', 'Reads that found a value.', [['', status.hits]])
  metric('misses_total', 'counter', 'Reads that found nothing.', [['', status.misses]])
  metric('loads_total', 'counter', 'getOrLoad loader runs on this peer.', [['', status.loads]])
  metric('evictions_total', 'counter', 'Entries evicted by byte budgets.', [['', status.evictions]])
  metric('near_hits_total', 'counter', 'Reads served by the near cache.', [['', status.near.hits]])
  metric('near_misses_total', 'counter', 'Near cache lookups that missed.', [['', status.near.misses]])
  metric('invalidation_gaps_total', 'counter', 'Lost invalidation messages detected.', [['', status.invalidationGaps]])
  metric('misbehaving_frames_total', 'counter', 'Malformed or oversized frames from peers.', [['', status.misbehavingFrames]])
  metric('unauthorized_total', 'counter', 'Failed mesh secret handshakes and requests refused for want of the secret.', [['', status.access.unauthorized]])
  metric('rejected_total', 'counter', 'Requests and invalidations refused for going over a limit.', [['', status.access.rejected]])
  metric('ignored_gossip_total', 'counter', 'Gossip messages ignored from peers that have not proven the secret.', [['', status.access.ignoredGossip]])
  metric('penalized_peers', 'gauge', 'Peers with a penalty now.', [['', status.access.penalizedPeers]])
  metric('banned_peers', 'gauge', 'Peers whose connections are refused now.', [['', status.access.bannedPeers]])
  return lines.join('\n') + '\n'
}
