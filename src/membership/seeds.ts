import { multiaddr } from '@multiformats/multiaddr'
import { ErrorCodes, MeshCacheError } from '../errors.js'
import type { ComponentLogger, Connection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface SeedComponents {
  self: string
  dial: (addr: Multiaddr, options: { signal: AbortSignal }) => Promise<Pick<Connection, 'remotePeer'>>
  logger: ComponentLogger
}

const SEED_ROUNDS = 3

/**
 * Dials every bootstrap address, in a few rounds since a relay may be busy or
 * restarting; resolves with the peer ids reached. None reached (with some
 * given) is ERR_UNAVAILABLE.
 */
export async function dialSeeds ({ self, dial, logger }: SeedComponents, bootstrap: string[], timeoutMs: number): Promise<string[]> {
  const log = logger.forComponent('meshcache:seeds')
  const reached = new Set<string>()
  for (let round = 0; round < SEED_ROUNDS && bootstrap.length > 0 && reached.size === 0; round++) {
    if (round > 0) await new Promise(resolve => setTimeout(resolve, 500 * round))
    await Promise.all(bootstrap.map(async addr => {
      try {
        const connection = await dial(multiaddr(addr), { signal: AbortSignal.timeout(timeoutMs) })
        if (connection.remotePeer.toString() !== self) reached.add(connection.remotePeer.toString())
      } catch (err) {
        log('round %d: seed %s not reached: %s', round + 1, addr, (err as Error).message)
      }
    }))
  }
  if (bootstrap.length > 0 && reached.size === 0) {
    throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `none of the ${bootstrap.length} bootstrap peer(s) could be reached`)
  }
  return [...reached]
}
