// A meshcache peer in its own process, driven over stdio by test/helpers/processes.ts.
// argv[2]: JSON createCache options. stdin: one JSON command a line, {id, op, args}.
// stdout: {type:'ready', peerId, multiaddrs} then one {id, result|error} a line.
import { createInterface } from 'node:readline'
import { createCache } from '../../dist/node/index.js'

const send = (message) => process.stdout.write(JSON.stringify(message) + '\n')
const cache = await createCache(JSON.parse(process.argv[2]))
send({ type: 'ready', peerId: cache.peerId, multiaddrs: cache.multiaddrs })

const ops = {
  set: (key, value, ttlMs) => cache.set(key, value, { ttlMs }),
  get: (key) => cache.get(key),
  setMany: (entries) => cache.setMany(entries),
  getMany: (keys) => cache.getMany(keys),
  deleteMany: (keys) => cache.deleteMany(keys),
  ownersOf: (key) => cache.ownersOf(key),
  localKeys: () => cache.localKeys(),
  members: async () => (await cache.status()).members.map(m => m.peerId),
  status: async () => { const { access, ...rest } = await cache.status(); return rest },
  // Peers this one has an open libp2p connection to (fault tests watch them close).
  connections: () => [...new Set(cache.libp2p.getConnections().filter(c => c.status === 'open').map(c => c.remotePeer.toString()))],
  stop: async () => { await cache.stop(); setTimeout(() => process.exit(0), 10) }
}

// The parent going away (or closing stdin) must not leave this process behind.
const lines = createInterface({ input: process.stdin })
lines.on('close', () => { cache.stop().finally(() => process.exit(0)) })
lines.on('line', async (line) => {
  const { id, op, args } = JSON.parse(line)
  try {
    const result = await ops[op](...args)
    send({ id, result: result === undefined ? null : result, undefined: result === undefined })
  } catch (err) {
    send({ id, error: { code: err.code, message: err.message } })
  }
})
