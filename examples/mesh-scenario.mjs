// A five-peer scenario through the public API only, as an application would
// use the package: `npm run build && node examples/mesh-scenario.mjs`.
// Exits 0 when every check holds, 1 otherwise.
import assert from 'node:assert/strict'
import { createCache } from 'meshcache'

const listen = ['/ip4/127.0.0.1/tcp/0']
const mesh = `scenario-${process.pid}`
const peers = [await createCache({ mesh, listen, replicas: 2, heartbeatMs: 250 })]
const bootstrap = [peers[0].multiaddrs[0]]
for (let i = 1; i < 5; i++) peers.push(await createCache({ mesh, listen, bootstrap, replicas: 2, heartbeatMs: 250 }))
const [p0, p1, p2, p3, p4] = peers
const step = (text) => console.log(`ok  ${text}`)
// Other peers' near copies drop when the owners' invalidation arrives over
// gossip, a few ms after the write is acknowledged: re-check for up to 2 s.
async function eventually (check) {
  const deadline = Date.now() + 2_000
  for (;;) {
    try { return await check() } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }
}

try {
  await p0.set('order:1', { id: 1, items: ['tea', 'cake'], total: 7.5 }, { ttlMs: 60_000 })
  for (const p of peers.slice(1)) assert.deepEqual(await p.get('order:1'), { id: 1, items: ['tea', 'cake'], total: 7.5 })
  step('set on peer 0, same value read on peers 1-4')

  const ttl = await p2.ttl('order:1')
  assert.ok(ttl > 55_000 && ttl <= 60_000, `ttl ${ttl}`)
  assert.equal(await p3.expire('order:1', 5_000), true)
  await eventually(async () => assert.ok(await p4.ttl('order:1') <= 5_000))
  step(`ttl from peer 2 (${ttl} ms), expire from peer 3, new ttl seen on peer 4`)

  assert.equal(await p1.delete('order:1'), true)
  for (const p of peers) await eventually(async () => assert.equal(await p.has('order:1'), false))
  step('delete on peer 1, gone on every peer')

  const users = p2.keyspace('users', { ttlMs: 120_000 })
  await users.set('ada', { name: 'Ada' })
  assert.deepEqual(await p4.keyspace('users').get('ada'), { name: 'Ada' })
  assert.equal(await p4.get('ada'), undefined)
  assert.ok((await p0.keyspaces()).includes('users'))
  assert.equal(await p3.dropKeyspace('users'), 5)
  await eventually(async () => assert.equal(await p1.keyspace('users').get('ada'), undefined))
  step('keyspace users: scoped set/get, listed, dropped mesh-wide')

  const keys = Array.from({ length: 100 }, (_, i) => `batch:${i}`)
  await p3.setMany(keys.map((k, i) => [k, i]))
  assert.deepEqual(await p0.getMany(keys), keys.map((_, i) => i))
  assert.equal(await p4.deleteMany(keys.slice(0, 50)), 50)
  step('setMany 100 on peer 3, getMany on peer 0, deleteMany 50 on peer 4')

  let loads = 0
  const loader = async (key) => { loads++; await new Promise(resolve => setTimeout(resolve, 100)); return `fresh ${key}` }
  const loaded = await Promise.all(Array.from({ length: 20 }, (_, i) => peers[i % 5].getOrLoad('report', loader)))
  assert.ok(loaded.every(v => v === 'fresh report'))
  assert.equal(loads, 1)
  step('getOrLoad from 20 askers on 5 peers: one load')

  const owners = p0.ownersOf('batch:77')
  for (const p of peers) assert.deepEqual(p.ownersOf('batch:77'), owners)
  const leaver = peers.find(p => p.peerId === owners[0])
  await leaver.stop()
  const rest = peers.filter(p => p !== leaver)
  for (const p of rest) assert.deepEqual(await p.getMany(keys.slice(50)), keys.slice(50).map((_, i) => i + 50))
  step(`stopped the primary owner of batch:77; the other 4 peers still read all 50 keys`)
  console.log('scenario passed')
} catch (err) {
  console.error('scenario FAILED:', err)
  process.exitCode = 1
} finally {
  await Promise.allSettled(peers.map(p => p.stop()))
}
