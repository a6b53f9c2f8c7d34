/** Set-up shared by the HTTP API tests: a served peer, requests, and the shape of a client error. */
import { expect } from 'vitest'
import { createCache } from '../../node/index.js'
import { createHttpApi, listenHttp } from '../../node/http.js'
import type { MeshCache } from '../../node/index.js'
import type { FastifyInstance } from 'fastify'

export const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']
export const JSON_HEADERS = { 'content-type': 'application/json' }
/** Small, so a value over it still fits well inside the HTTP body limit. */
export const MAX_VALUE_BYTES = 256

export const meshName = (what: string): string => `http-${what}-${Math.random().toString(36).slice(2, 10)}`

/** Teardown never hangs: every close/stop gets at most `ms`. */
export async function bounded (work: Promise<unknown>, ms = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    work.catch(() => {}),
    new Promise(resolve => { timer = setTimeout(resolve, ms) })
  ])
  clearTimeout(timer)
}

export interface Served { cache: MeshCache, app: FastifyInstance, base: string }

export async function serve (cache: MeshCache, options: Parameters<typeof createHttpApi>[1] = {}): Promise<Served> {
  const app = createHttpApi(cache, options)
  const base = await listenHttp(app, 0)
  return { cache, app, base }
}

export interface Answer { status: number, type: string | null, body: any, text: string }

export async function call (base: string, method: string, path: string, body?: string | object, headers: Record<string, string> = {}): Promise<Answer> {
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
export function expectClientError (answer: Answer, status: number, code?: string): void {
  expect(answer.status, answer.text).toBe(status)
  expect(answer.type).toMatch(/^application\/json/)
  expect(typeof answer.body?.error).toBe('string')
  expect(typeof answer.body?.code).toBe('string')
  if (code !== undefined) expect(answer.body.code).toBe(code)
}

/** One peer (small maxValueBytes) with its HTTP API, for a file's beforeAll. */
export async function startOnePeer (): Promise<Served> {
  const cache = await createCache({ mesh: meshName('one'), listen: LOOPBACK, maxValueBytes: MAX_VALUE_BYTES })
  try {
    return await serve(cache)
  } catch (err) {
    await bounded(cache.stop())
    throw err
  }
}

/** Closes what startOnePeer started (if it did), for a file's afterAll. */
export async function stopOnePeer (served: Served | undefined): Promise<void> {
  if (served == null) return
  await bounded(served.app.close())
  await bounded(served.cache.stop())
}
