import { expect, test } from '@playwright/test'
import { closeAll, openTab, startTestRelay, waitForMembers, waitForWebRTC } from './tabs.js'
import type { Tab } from './tabs.js'

const mesh = `tabs3-${Date.now()}`
let relay: Awaited<ReturnType<typeof startTestRelay>>
let tabs: Tab[] = []

test.beforeAll(async ({ browser }) => {
  relay = await startTestRelay(mesh)
  for (let i = 0; i < 3; i++) tabs.push(await openTab(browser, relay.bootstrap, mesh))
  await waitForMembers(tabs, 4) // three tabs and the relay
})

test.afterAll(async () => {
  await closeAll(tabs)
  await relay?.relay.stop()
  tabs = []
})

test('a key set in tab 1 is read in tabs 2 and 3', async () => {
  await tabs[0].page.evaluate(async () => { await window.cache.set('greeting', { text: 'hi', n: 1 }) })
  for (const tab of tabs.slice(1)) {
    expect(await tab.page.evaluate(async () => window.cache.get('greeting'))).toEqual({ text: 'hi', n: 1 })
  }
})

test('a delete in tab 3 invalidates the near copies of the others', async () => {
  await tabs[0].page.evaluate(async () => { await window.cache.set('doomed', 'v') })
  // Reads on tabs that do not own the key leave a near copy behind.
  for (const tab of tabs) expect(await tab.page.evaluate(async () => window.cache.get('doomed'))).toBe('v')
  await tabs[2].page.evaluate(async () => { await window.cache.delete('doomed') })
  for (const tab of tabs) {
    await expect.poll(async () => tab.page.evaluate(async () => (await window.cache.get('doomed')) ?? null)).toBeNull()
  }
})

test('tab-to-tab connections become direct WebRTC, and requests use them', async () => {
  await waitForWebRTC(tabs, 20_000)
  // A request between two tabs now travels on the WebRTC connection.
  const [a, b] = tabs
  const rtt = await a.page.evaluate(async (id) => window.cache.ping(id), b.peerId)
  expect(rtt).toBeGreaterThan(0)
  const streams = await a.page.evaluate((id) => window.cache.libp2p.getConnections()
    .filter((c: any) => c.remotePeer.toString() === id && c.remoteAddr.toString().includes('/webrtc'))
    .flatMap((c: any) => c.streams.map((s: any) => s.protocol)), b.peerId)
  expect(streams).toContain('/meshcache/1.0.0')
})

test('gossip between tabs runs on their direct connections, never on relayed ones', async () => {
  await waitForWebRTC(tabs, 20_000)
  for (const tab of tabs) {
    const others = tabs.filter(t => t !== tab).map(t => t.peerId)
    // Where each other tab's gossipsub streams run: 'direct' or 'relayed'.
    const paths = await tab.page.evaluate((ids) => window.cache.libp2p.getConnections()
      .filter((c: any) => ids.includes(c.remotePeer.toString()))
      .flatMap((c: any) => c.streams.filter((s: any) => s.protocol?.startsWith('/meshsub/'))
        .map(() => `${c.remotePeer.toString() as string} ${c.remoteAddr.toString().includes('/webrtc') ? 'direct' : 'relayed'}`)), others)
    expect(paths.filter(p => p.endsWith('relayed'))).toEqual([])
    for (const id of others) expect(paths).toContain(`${id} direct`)
  }
})

test('the demo page shows the peers (screenshot artifact)', async ({}, testInfo) => {
  const page = tabs[0].page
  await expect(page.locator('#peers li')).toHaveCount(4)
  await page.fill('#key', 'greeting')
  await page.click('#get')
  await expect(page.locator('#result')).toContainText('hi')
  await page.screenshot({ path: testInfo.outputPath('demo-3-tabs.png'), fullPage: true })
  await page.screenshot({ path: 'test-results/demo-3-tabs.png', fullPage: true })
})
