import { expect, test } from '@playwright/test'
import { closeAll, openTab, startTestRelay, waitForMembers } from './tabs.js'
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

test('tab-to-tab connections become direct WebRTC', async () => {
  for (const tab of tabs) {
    const others = tabs.filter(t => t !== tab).map(t => t.peerId)
    await expect.poll(async () => tab.page.evaluate((ids) => ids.every((id: string) =>
      window.cache.libp2p.getConnections().some((c: any) => c.remotePeer.toString() === id && c.status === 'open' && c.remoteAddr.toString().includes('/webrtc'))), others),
    { timeout: 20_000 }).toBe(true)
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
