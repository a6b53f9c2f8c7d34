import { expect, test } from '@playwright/test'
import { closeAll, openTab, startTestRelay, waitForMembers } from './tabs.js'
import type { Tab } from './tabs.js'

const mesh = `close-${Date.now()}`
let relay: Awaited<ReturnType<typeof startTestRelay>>
let tabs: Tab[] = []

test.beforeAll(async ({ browser }) => {
  relay = await startTestRelay(mesh)
  for (let i = 0; i < 4; i++) tabs.push(await openTab(browser, relay.bootstrap, mesh, { replicas: '2' }))
  await waitForMembers(tabs, 5)
  await expect.poll(async () => (await relay.relay.status()).members.length, { timeout: 30_000 }).toBe(5)
})

test.afterAll(async () => {
  await closeAll(tabs)
  await relay?.relay.stop()
  tabs = []
})

test('closing the tab that owns keys loses none of them (replicas=2)', async () => {
  const keys = Array.from({ length: 60 }, (_, i) => `k${i}`)
  await tabs[0].page.evaluate(async (ks) => { await window.cache.setMany(ks.map((k: string) => [k, k.toUpperCase()])) }, keys)
  const held = await Promise.all(tabs.map(async t => t.page.evaluate(() => window.cache.localKeys().length)))
  const victim = held.indexOf(Math.max(...held))
  expect(held[victim]).toBeGreaterThan(0)
  const [gone] = tabs.splice(victim, 1)
  // Closing the page: no chance to finish a handoff; replicas must cover it.
  await gone.page.context().close()
  await waitForMembers(tabs, 4)
  // The relay reads last, and only once it too has dropped the closed tab.
  // Seen once in CI, not reproduced in 8 runs: 6 of 60 keys missing at the
  // relay, whose view this test did not wait for (here nor before the writes).
  await expect.poll(async () => (await relay.relay.status()).members.length, { timeout: 30_000 }).toBe(4)
  for (const tab of tabs) {
    expect(await tab.page.evaluate(async (ks) => window.cache.getMany(ks), keys)).toEqual(keys.map(k => k.toUpperCase()))
  }
  expect((await relay.relay.getMany(keys))).toEqual(keys.map(k => k.toUpperCase()))
})
