import { afterEach, describe, expect, it } from 'vitest'
import { eventually, startCluster } from '../helpers/cluster.js'
import { bounded, call, expectClientError, meshName, serve } from './http-helpers.js'
import type { Cluster } from '../helpers/cluster.js'
import type { FastifyInstance } from 'fastify'

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
