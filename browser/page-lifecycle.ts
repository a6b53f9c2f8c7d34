import type { MeshCache } from '../src/index.js'

/**
 * A closing tab hands its keys to their next owners on `pagehide`. The page
 * may be gone before the handoff finishes; replicas cover what does not
 * make it (and a crashed tab).
 */
export function handOffOnPageHide (cache: MeshCache): void {
  if (typeof globalThis.addEventListener !== 'function') return
  globalThis.addEventListener('pagehide', () => { void cache.stop() }, { once: true })
}
