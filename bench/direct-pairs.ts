import type { Page } from '@playwright/test'

/**
 * Waits (at most `capMs`) until `want` pairs of the given tabs have a direct
 * WebRTC connection, and resolves with how many pairs do. `ids[i]` is the peer
 * id of `pages[i]`. Shared by bench/browser.ts and the browser tests.
 */
export async function countDirectPairs (pages: Page[], ids: string[], want: number, capMs: number): Promise<number> {
  const deadline = Date.now() + capMs
  for (;;) {
    const lists: string[][] = await Promise.all(pages.map(async p => p.evaluate(() => (window as any).cache.libp2p.getConnections()
      .filter((c: any) => c.status === 'open' && c.remoteAddr.toString().includes('/webrtc')).map((c: any) => c.remotePeer.toString()))))
    const pairs = new Set<string>()
    lists.forEach((peers, i) => { for (const p of peers) if (ids.includes(p)) pairs.add([ids[i], p].sort().join()) })
    if (pairs.size >= want || Date.now() > deadline) return pairs.size
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}
