/**
 * Browser suite, as a user meets it: `npm start`'s demo (a relay and two Node
 * peers on 127.0.0.1) with 8 tabs opening the URL it prints, on this host's
 * own network (no namespace). Measured from when the pages have loaded: every
 * tab sees every member (target ≤ 10 s), every pair of tabs direct on WebRTC
 * (≤ 15 s); then the idle browser's CPU (≤ 0.3 cores) and a profile of a tab.
 * Writes bench/results/browser-demo.json.
 */
import { fileURLToPath } from 'node:url'
import { countDirectPairs } from './direct-pairs.js'
import { startChild, stopChild } from './lib/child.js'
import { writeResult } from './lib/measure.js'
import { idleFigures, idleRows, launchChromium, openTabs, peerIdsOf, waitForMembers } from './lib/tabs.js'

const TABS = 8
/** The relay and the demo's two Node peers. */
const NODE_PEERS = 3
const CAP_MS = 60_000

// The demo prints text: it is ready once it prints the URL to open.
const demo = await startChild<string>(fileURLToPath(new URL('../node/demo.js', import.meta.url)), [], 60_000,
  line => /^\s+(http:\/\/\S+)$/.exec(line)?.[1], { ...process.env, PORT: '0' })
const url = demo.ready
const browser = await launchChromium()
try {
  const pages = await openTabs(browser, url, TABS)
  const loaded = Date.now()
  const peerIds = await peerIdsOf(pages)
  await waitForMembers(pages, TABS + NODE_PEERS, CAP_MS)
  const membersMs = Date.now() - loaded
  const all = TABS * (TABS - 1) / 2
  const pairs = await countDirectPairs(pages, peerIds, all, CAP_MS)
  const directMs = pairs === all ? Date.now() - loaded : undefined
  const idle = await idleFigures(pages)
  const rows = [
    [`${TABS} tabs: every tab sees all ${TABS + NODE_PEERS} members`, `${membersMs} ms after the pages loaded (target ≤ 10 000)`],
    [`${TABS} tabs: every pair direct on WebRTC`, directMs != null ? `${directMs} ms (target ≤ 15 000)` : `not within ${CAP_MS / 1000} s (${pairs}/${all} pairs)`],
    ...idleRows(`${TABS} tabs`, idle)
  ]
  const width = Math.max(...rows.map(r => r[0].length))
  console.log(`browser, as npm start's demo is opened (${url.split('?')[0]}, this host's network, one context per tab)`)
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`)
  console.log(`wrote ${writeResult('browser-demo', { tabs: TABS, membersMs, directMs, directPairs: `${pairs}/${all}`, idle })}`)
} finally {
  await browser.close()
  await stopChild(demo.child)
}
process.exit(0)
