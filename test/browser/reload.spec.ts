import { expect, test } from '@playwright/test'
import { closeAll, openTab, startTestRelay, waitForMembers } from './tabs.js'
import type { Tab } from './tabs.js'
import type { Page } from '@playwright/test'

const mesh = `reload-${Date.now()}`
let relay: Awaited<ReturnType<typeof startTestRelay>>
let tabs: Tab[] = []

const keys = Array.from({ length: 100 }, (_, i) => `k${i}`)
const valueOf = (key: string): string => `value of ${key}`

/** The peer id of the tab's cache once it has joined again. */
const joined = async (page: Page): Promise<string> => page.waitForFunction(async () => (await window.cacheReady).peerId, undefined, { timeout: 60_000 })
  .then(async handle => handle.jsonValue() as Promise<string>)

/** Resolves once the tab's store has written everything it was given. */
const persisted = async (page: Page): Promise<void> => {
  await expect.poll(async () => page.evaluate(async () => (await window.cache.status()).persist), { timeout: 15_000 })
    .toMatchObject({ pending: 0, failures: 0 })
}

test.beforeAll(async ({ browser }) => {
  relay = await startTestRelay(mesh)
  // One owner per key: the tab's keys are on no other peer it could ask. Near
  // copies a minute fresh: a reload on a busy machine may take longer than the default 5 s.
  tabs.push(await openTab(browser, relay.bootstrap, mesh, { persist: '1', replicas: '1', nearStalenessMs: '60000' }))
  await waitForMembers(tabs, 2)
})

test.afterAll(async () => {
  await closeAll(tabs)
  await relay?.relay.stop()
  tabs = []
})

test('a reloaded tab has its peer id, its keys and its near copies back before asking anyone', async () => {
  const [tab] = tabs
  await tab.page.evaluate(async ({ ks, vs }) => { await window.cache.setMany(ks.map((k: string, i: number) => [k, vs[i]])) }, { ks: keys, vs: keys.map(valueOf) })
  const owned: string[] = await tab.page.evaluate(() => window.cache.localKeys())
  const others = keys.filter(k => !owned.includes(k))
  expect(owned.length).toBeGreaterThan(0)
  expect(others.length).toBeGreaterThan(0)
  // Reading the relay's keys leaves near copies in the tab.
  expect(await tab.page.evaluate(async (ks) => window.cache.getMany(ks), others)).toEqual(others.map(valueOf))
  await persisted(tab.page)

  const reloaded = Date.now()
  await tab.page.reload()
  expect(await joined(tab.page)).toBe(tab.peerId)
  const rejoinMs = Date.now() - reloaded
  // peek never touches the network: every value it gives is the tab's own, or its near copy.
  const read = await tab.page.evaluate(async (ks) => { const cache = await window.cacheReady; return ks.map((k: string) => cache.peek(k) ?? null) }, keys)
  console.log(`reload: the tab was back ${rejoinMs} ms after reload() with the same peer id; peek answered ${read.filter((v, i) => v === valueOf(keys[i])).length} of ${keys.length} keys (${owned.length} its own, ${others.length} near copies of the relay's)`)
  expect(read).toEqual(keys.map(valueOf))
  expect(await tab.page.evaluate(async () => (await window.cache.status()).persist)).toMatchObject({ loaded: owned.length, nearLoaded: others.length, failures: 0 })
  // And the mesh is whole again: the relay's keys through it, the tab's own from the relay.
  expect(await tab.page.evaluate(async (ks) => window.cache.getMany(ks), keys)).toEqual(keys.map(valueOf))
  expect(await relay.relay.getMany(owned)).toEqual(owned.map(valueOf))
})

test('a delete survives the reload, and a second tab of the origin keeps a store of its own', async () => {
  const [tab] = tabs
  const gone: string = await tab.page.evaluate(() => window.cache.localKeys()[0])
  await tab.page.evaluate(async (k) => { await window.cache.delete(k) }, gone)
  await persisted(tab.page)
  await tab.page.reload()
  expect(await joined(tab.page)).toBe(tab.peerId)
  expect(await tab.page.evaluate(async (k) => (await window.cache.get(k)) ?? null, gone)).toBeNull()

  // Same context, so the same IndexedDB and Web Locks: the first tab's store is held.
  const second = await tab.page.context().newPage()
  await second.goto(tab.page.url())
  const secondId = await joined(second)
  expect(secondId).not.toBe(tab.peerId)
  expect(await second.evaluate(async () => (await window.cache.status()).persist)).toMatchObject({ loaded: 0 })
  await second.close()
  // The store the second tab let go of is the next new tab's, identity and all.
  const third = await tab.page.context().newPage()
  await third.goto(tab.page.url())
  expect(await joined(third)).toBe(secondId)
  await third.close()
})
