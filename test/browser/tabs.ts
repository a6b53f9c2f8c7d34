import { countDirectPairs } from '../../bench/direct-pairs.js'
import { startRelay } from '../../dist/node/relay.js'
import type { MeshCache } from '../../dist/node/index.js'
import type { Browser, Page } from '@playwright/test'

export interface Tab { page: Page, peerId: string }

/** A relay on 127.0.0.1 for one test file: a fresh mesh each time. */
export async function startTestRelay (mesh: string): Promise<{ relay: MeshCache, bootstrap: string }> {
  const relay = await startRelay({ mesh, listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], heartbeatMs: 500 })
  const bootstrap = relay.multiaddrs.find(a => a.includes('/ws/'))!
  return { relay, bootstrap }
}

/**
 * Opens a demo tab in its own browser context (its own peer) and waits until
 * it has joined. Query options are passed to the demo page as they are.
 */
export async function openTab (browser: Browser, bootstrap: string, mesh: string, extra: Record<string, string> = {}, timeoutMs = 60_000): Promise<Tab> {
  const context = await browser.newContext()
  if (extra.debug != null) {
    await context.addInitScript((ns) => { localStorage.setItem('debug', ns) }, extra.debug.length > 1 ? extra.debug : 'libp2p:webrtc*,libp2p:connection-manager*,libp2p:upgrader*,libp2p:circuit*')
  }
  const page = await context.newPage()
  if (extra.debug != null) page.on('console', m => { console.log(`[tab] ${m.text().replace(/%c/g, '').replace(/color: #\w+/g, '').slice(0, 300)}`) })
  page.on('pageerror', err => { console.error(`[tab] ${err.message}`) })
  const query = new URLSearchParams({ bootstrap, mesh, ...extra })
  await page.goto(`/?${query.toString()}`, { timeout: timeoutMs })
  const peerId = await page.waitForFunction(async () => (await window.cacheReady).peerId, undefined, { timeout: timeoutMs })
    .then(async handle => handle.jsonValue() as Promise<string>)
  return { page, peerId }
}

/** Resolves once every tab's view holds `count` members. */
export async function waitForMembers (tabs: Tab[], count: number, timeoutMs = 30_000): Promise<void> {
  await explained(tabs, Promise.all(tabs.map(async tab => tab.page.waitForFunction(
    async (n) => (await window.cache!.status()).members.length === n, count, { timeout: timeoutMs, polling: 250 }))))
}

/**
 * On failure, says where each tab stood: members seen, direct and total
 * connections, and whether it holds a relay reservation.
 */
export async function explained<T> (tabs: Tab[], waiting: Promise<T>): Promise<T> {
  try {
    return await waiting
  } catch (err) {
    const states = await Promise.all(tabs.map(async tab => tab.page.evaluate(async () => {
      const connections = window.cache.libp2p.getConnections()
      const members = (await window.cache.status()).members.length
      const direct = connections.filter((c: any) => c.remoteAddr.toString().includes('/webrtc')).length
      const reserved = window.cache.libp2p.getMultiaddrs().some((a: any) => a.toString().includes('/p2p-circuit'))
      return `${members} members, ${direct}/${connections.length} direct, ${reserved ? 'reserved' : 'NO reservation'}`
    }).catch((e: Error) => e.message)))
    throw new Error(`${(err as Error).message}\n${states.map((s, i) => `  tab ${i} ${tabs[i].peerId.slice(-6)}: ${s}`).join('\n')}`)
  }
}

/** Resolves once every pair of tabs has a direct WebRTC connection. */
export async function waitForWebRTC (tabs: Tab[], timeoutMs = 30_000): Promise<void> {
  await explained(tabs, Promise.all(tabs.map(async tab => tab.page.waitForFunction((ids: string[]) => ids.every(id =>
    window.cache.libp2p.getConnections().some((c: any) => c.remotePeer.toString() === id && c.status === 'open' && c.remoteAddr.toString().includes('/webrtc'))),
  tabs.filter(t => t !== tab).map(t => t.peerId), { timeout: timeoutMs, polling: 250 }))))
}

/**
 * Waits (at most `timeoutMs`) until `pairs` tab pairs have a direct WebRTC
 * connection, and resolves with how many do: for waits where a pair still on
 * the relay is acceptable, and for reporting.
 */
export async function directPairs (tabs: Tab[], pairs: number, timeoutMs: number): Promise<number> {
  return countDirectPairs(tabs.map(t => t.page), tabs.map(t => t.peerId), pairs, timeoutMs)
}

export async function closeAll (tabs: Tab[]): Promise<void> {
  await Promise.allSettled(tabs.map(async tab => tab.page.context().close()))
}

declare global {
  interface Window { cache?: any, cacheReady: Promise<any> }
}
