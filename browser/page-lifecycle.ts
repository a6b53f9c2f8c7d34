import type { MeshCache } from '../src/index.js'
import type { Logger } from '@libp2p/interface'

/**
 * A closing tab hands its keys to their next owners on `pagehide`. The page
 * may be gone before the handoff finishes; replicas cover what does not
 * make it (and a crashed tab).
 */
export function handOffOnPageHide (cache: MeshCache, log: Logger): void {
  if (typeof globalThis.addEventListener !== 'function') return
  globalThis.addEventListener('pagehide', () => {
    log('pagehide: handing this tab\'s keys off and leaving')
    cache.stop().catch((err: Error) => { log.error('the hand-off on pagehide failed: %e', err) })
  }, { once: true })
}
