/**
 * The serving side of the remote get/set suite (bench/remote.ts), run in its
 * own process: a meshcache peer that owns every key (replicas 1, alone in its
 * mesh), and the two baselines' servers — a bare libp2p node and node:net.
 * Prints one JSON line when ready.
 */
import { createCache } from '../node/index.js'
import { startBareServer } from './lib/bare-libp2p.js'
import { startRawServer } from './lib/raw-tcp.js'

const cache = await createCache({ mesh: 'bench-remote', replicas: 1, listen: ['/ip4/127.0.0.1/tcp/0'], requestTimeoutMs: 30_000 })
const raw = await startRawServer()
const bare = await startBareServer()
console.log(JSON.stringify({ peerId: cache.peerId, multiaddrs: cache.multiaddrs, rawPort: raw.port, bareMultiaddrs: bare.multiaddrs }))
const stop = async (): Promise<void> => {
  raw.server.close()
  await bare.stop()
  await cache.stop()
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })
