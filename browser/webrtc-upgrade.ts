import { multiaddr } from '@multiformats/multiaddr'
import type { Member, MeshCache } from '../src/index.js'

const ATTEMPTS = 5
const RETRY_MS = 250
/** WebRTC set-up is CPU-heavy; a tab joining a big mesh upgrades a few pairs at a time. */
const CONCURRENT_DIALS = 2

/**
 * Tabs meet through the relay; this moves each tab pair onto a direct WebRTC
 * connection. Only the tab with the lower peer id dials, so a pair never races
 * into two connections. A dial can come back with the still-pending relayed
 * connection, so the result is checked and the dial retried a few times.
 */
export function upgradeToWebRTC (cache: MeshCache): void {
  const queue: string[] = []
  const queued = new Set<string>()
  let running = 0
  const next = (): void => {
    while (running < CONCURRENT_DIALS && queue.length > 0) {
      const target = queue.shift()!
      running++
      void dialWebRTC(cache, target).finally(() => {
        running--
        queued.delete(target)
        next()
      })
    }
  }
  const consider = (member: Member): void => {
    const target = member.addrs.find(a => a.includes('/p2p-circuit/webrtc'))
    if (target == null || cache.peerId >= member.peerId || queued.has(target)) return
    queued.add(target)
    queue.push(target)
    next()
  }
  cache.addEventListener('member:join', evt => { consider((evt as CustomEvent<Member>).detail) })
  // Members that advertised their WebRTC address only after they joined.
  cache.libp2p.addEventListener('peer:update', evt => {
    const member = { peerId: evt.detail.peer.id.toString(), addrs: evt.detail.peer.addresses.map(a => a.multiaddr.toString()) }
    if (member.addrs.some(a => a.includes('/webrtc')) && !hasDirect(cache, member.peerId)) consider(member as Member)
  })
}

async function dialWebRTC (cache: MeshCache, addr: string): Promise<void> {
  const target = multiaddr(addr)
  const peer = target.getPeerId()
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (peer == null || hasDirect(cache, peer)) return
    try {
      // force: the relayed connection counts as a usable one, and libp2p would hand it back.
      const connection = await cache.libp2p.dial(target, { signal: AbortSignal.timeout(10_000), force: true })
      if (connection.remoteAddr.toString().includes('/webrtc')) return
    } catch {
      // Retried below: the other tab may not have its relay reservation yet.
    }
    if (hasDirect(cache, peer)) return
    await new Promise(resolve => setTimeout(resolve, RETRY_MS * (attempt + 1)))
  }
}

function hasDirect (cache: MeshCache, peer: string): boolean {
  return cache.libp2p.getConnections().some(c =>
    c.remotePeer.toString() === peer && c.status === 'open' && c.remoteAddr.toString().includes('/webrtc'))
}
