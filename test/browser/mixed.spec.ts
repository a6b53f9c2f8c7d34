import { expect, test } from '@playwright/test'
import { createCache } from '../../dist/node/index.js'
import { closeAll, openTab, startTestRelay, waitForMembers } from './tabs.js'
import type { Tab } from './tabs.js'
import type { MeshCache } from '../../dist/node/index.js'

const mesh = `mixed-${Date.now()}`
let relay: Awaited<ReturnType<typeof startTestRelay>>
let nodes: MeshCache[] = []
let tabs: Tab[] = []

test.beforeAll(async ({ browser }) => {
  relay = await startTestRelay(mesh)
  for (let i = 0; i < 2; i++) {
    nodes.push(await createCache({ mesh, bootstrap: [relay.relay.multiaddrs[0]], listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], heartbeatMs: 500 }))
  }
  for (let i = 0; i < 3; i++) tabs.push(await openTab(browser, relay.bootstrap, mesh))
  await waitForMembers(tabs, 6)
  await expect.poll(async () => Promise.all(nodes.map(async n => (await n.status()).members.length))).toEqual([6, 6])
})

test.afterAll(async () => {
  await closeAll(tabs)
  await Promise.allSettled([...nodes, relay?.relay].map(async n => n?.stop()))
  nodes = []
  tabs = []
})

test('Node peers read what tabs wrote, and tabs read what Node peers wrote', async () => {
  const fromTabs = Array.from({ length: 30 }, (_, i) => `tab-key:${i}`)
  await tabs[1].page.evaluate(async (ks) => { await window.cache.setMany(ks.map((k: string) => [k, `tab ${k}`])) }, fromTabs)
  for (const node of nodes) expect(await node.getMany(fromTabs)).toEqual(fromTabs.map(k => `tab ${k}`))

  const fromNodes = Array.from({ length: 30 }, (_, i) => `node-key:${i}`)
  await nodes[0].setMany(fromNodes.map(k => [k, { node: k }]))
  for (const tab of tabs) {
    expect(await tab.page.evaluate(async (ks) => window.cache.getMany(ks), fromNodes)).toEqual(fromNodes.map(k => ({ node: k })))
  }
  // Keys are spread over both kinds of peer.
  const tabOwned = await Promise.all(tabs.map(async t => t.page.evaluate(() => window.cache.localKeys().length)))
  const nodeOwned = nodes.map(n => n.localKeys().length)
  expect(tabOwned.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
  expect(nodeOwned.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
})
