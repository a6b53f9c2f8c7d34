import { multiaddr } from '@multiformats/multiaddr'
import type { Member, MeshCache } from '../src/index.js'
import type { Logger } from '@libp2p/interface'

/** WebRTC set-up is CPU-heavy; a tab joining a big mesh upgrades a few pairs at a time. */
const CONCURRENT_DIALS = 2
/** ICE on a loaded machine can take seconds; a dial abandoned early leaves a half-made connection behind. */
const DIAL_TIMEOUT_MS = 20_000
/** How often a tab looks for pairs still without a direct connection (failed or not yet tried). */
const SWEEP_MS = 3_000

/**
 * Tabs meet through the relay; this moves each tab pair onto a direct WebRTC
 * connection. Only the tab with the lower peer id dials, so a pair never races
 * into two connections. A pair whose dial failed is tried again on the next
 * sweep, for as long as both tabs are members.
 */
export function upgradeToWebRTC (cache: MeshCache, log: Logger): void {
  const dialing = new Set<string>()
  let running = 0

  const sweep = async (): Promise<void> => {
    const status = await cache.status().catch((err: Error) => {
      log.trace('no WebRTC sweep: status failed: %e', err)
      return undefined
    })
    if (status == null) return
    for (const member of status.members) {
      if (running >= CONCURRENT_DIALS) return
      const target = webrtcAddress(member)
      if (target == null || cache.peerId >= member.peerId || dialing.has(member.peerId) || hasDirect(cache, member.peerId)) continue
      dialing.add(member.peerId)
      running++
      void dial(cache, target, log).finally(() => {
        dialing.delete(member.peerId)
        running--
        void sweep()
      })
    }
  }

  const timer = setInterval(() => { void sweep() }, SWEEP_MS)
  cache.addEventListener('member:join', () => { void sweep() })
  // Stop sweeping once the cache is stopped.
  cache.libp2p.addEventListener('stop', () => { clearInterval(timer) })
  void sweep()
}

function webrtcAddress (member: Pick<Member, 'addrs'>): string | undefined {
  return member.addrs.find(a => a.includes('/p2p-circuit/webrtc'))
}

async function dial (cache: MeshCache, addr: string, log: Logger): Promise<void> {
  try {
    log.trace('upgrading to WebRTC: dialling %s', addr)
    // force: the relayed connection counts as a usable one, and libp2p would hand it back.
    const connection = await cache.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS), force: true })
    log('direct WebRTC connection to %p', connection.remotePeer)
  } catch (err) {
    // The next sweep tries again.
    log('WebRTC upgrade via %s failed (the next sweep tries again): %s', addr, (err as Error).message)
  }
}

function hasDirect (cache: MeshCache, peer: string): boolean {
  return cache.libp2p.getConnections().some(c =>
    c.remotePeer.toString() === peer && c.status === 'open' && c.remoteAddr.toString().includes('/webrtc'))
}
