/**
 * Browser figures (issue 3): time for 3 and 8 tabs to mesh, tab→tab get
 * latency over the relay and over WebRTC, and the bundle size. Run inside the
 * test network namespace: `npm run bench:browser`.
 * Prints a table and writes bench/results/browser.json.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import fastifyStatic from '@fastify/static'
import Fastify from 'fastify'
import { startRelay } from '../node/relay.js'
import { countDirectPairs } from './direct-pairs.js'
import { idleFigures, idleRows, launchChromium, openTabs, peerIdsOf, waitForMembers } from './lib/tabs.js'
import type { Page } from '@playwright/test'

const GETS = 300
const root = new URL('../../', import.meta.url)

const site = Fastify()
await site.register(fastifyStatic, { root: fileURLToPath(new URL('dist/demo/', root)) })
const base = await site.listen({ port: 0, host: '127.0.0.1' })
const browser = await launchChromium()

interface Mesh { pages: Page[], peerIds: string[], stop: () => Promise<void> }

const WEBRTC_CAP_MS = 90_000

async function openMesh (tabs: number, query: Record<string, string>): Promise<Mesh & { joinedMs: number, directMs?: number, directPairs?: string }> {
  const mesh = `bench-${tabs}-${Date.now()}`
  const relay = await startRelay({ mesh, listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] })
  const bootstrap = relay.multiaddrs.find(a => a.includes('/ws/'))!
  const url = `${base}/?${new URLSearchParams({ bootstrap, mesh, ...query }).toString()}`
  const start = Date.now()
  const pages = await openTabs(browser, url, tabs)
  const peerIds = await peerIdsOf(pages)
  await waitForMembers(pages, tabs + 1, 180_000)
  const joinedMs = Date.now() - start
  let directMs: number | undefined
  let directPairs: string | undefined
  if (query.webrtc !== '0') {
    // Every pair on WebRTC, or how many were after WEBRTC_CAP_MS.
    const all = tabs * (tabs - 1) / 2
    const pairs = await countDirectPairs(pages, peerIds, all, WEBRTC_CAP_MS)
    directMs = pairs === all ? Date.now() - start : undefined
    directPairs = `${pairs}/${all}`
  }
  return {
    pages,
    peerIds,
    joinedMs,
    directMs,
    directPairs,
    stop: async () => {
      await Promise.allSettled(pages.map(async p => p.context().close()))
      await relay.stop()
    }
  }
}

/** Tab 0 reads keys owned by tab 1 only (not by tab 0, not by the relay), near cache off. */
async function getLatency (mesh: Mesh): Promise<{ p50: number, p99: number }> {
  const [reader, owner] = mesh.pages
  const keys: string[] = await owner.evaluate(async ({ readerId, count }) => {
    const found: string[] = []
    for (let i = 0; found.length < count && i < 100_000; i++) {
      const key = `lat:${i}`
      const owners: string[] = (window as any).cache.ownersOf(key)
      if (owners[0] === (window as any).cache.peerId && !owners.includes(readerId)) found.push(key)
    }
    await (window as any).cache.setMany(found.map(k => [k, 'x'.repeat(100)]))
    return found
  }, { readerId: mesh.peerIds[0], count: 20 })
  const samples: number[] = await reader.evaluate(async ({ ks, n }) => {
    const out: number[] = []
    for (let i = 0; i < n; i++) {
      const t = performance.now()
      await (window as any).cache.get(ks[i % ks.length])
      out.push(performance.now() - t)
    }
    return out
  }, { ks: keys, n: GETS })
  samples.sort((a, b) => a - b)
  return { p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)] }
}

const results: Record<string, unknown> = {}
const rows: string[][] = []
for (const tabs of [3, 8]) {
  const mesh = await openMesh(tabs, { replicas: '1', nearEntries: '0' })
  results[`mesh${tabs}`] = { joinedMs: mesh.joinedMs, webrtcMs: mesh.directMs, directPairs: mesh.directPairs }
  rows.push([`${tabs} tabs: all members seen`, `${mesh.joinedMs} ms`],
    [`${tabs} tabs: every pair on WebRTC`, mesh.directMs != null ? `${mesh.directMs} ms` : `not within ${WEBRTC_CAP_MS / 1000} s (${mesh.directPairs} pairs)`])
  if (tabs === 8) {
    const idle = await idleFigures(mesh.pages)
    results.idle8 = idle
    rows.push(...idleRows('8 tabs', idle))
  }
  if (tabs === 3) {
    const direct = await getLatency(mesh)
    results.getWebRTC = direct
    rows.push(['tab→tab get over WebRTC, p50 / p99', `${direct.p50.toFixed(2)} / ${direct.p99.toFixed(2)} ms`])
  }
  await mesh.stop()
}
const relayed = await openMesh(3, { replicas: '1', nearEntries: '0', webrtc: '0' })
const overRelay = await getLatency(relayed)
results.getRelay = overRelay
rows.push(['tab→tab get over the relay, p50 / p99', `${overRelay.p50.toFixed(2)} / ${overRelay.p99.toFixed(2)} ms`])
await relayed.stop()

const bundle = bundleSizes(new URL('dist/bundle/', root), 'meshcache.js')
results.bundle = bundle
const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`
rows.push(['browser bundle at start (dist/bundle/meshcache.js and its static imports) raw / gzip', `${kib(bundle.raw)} / ${kib(bundle.gzip)}`])
rows.push(['loaded on demand (persist: true) raw / gzip', `${kib(bundle.lazyRaw)} / ${kib(bundle.lazyGzip)}`])

const webrtcVsRelay = (results.getWebRTC as { p50: number }).p50 / overRelay.p50
results.webrtcVsRelayP50 = webrtcVsRelay
rows.push(['get p50 over WebRTC vs over the relay (baseline)', `${webrtcVsRelay.toFixed(2)}×`])

await browser.close()
await site.close()
const width = Math.max(...rows.map(r => r[0].length))
console.log(`browser figures (${GETS} gets of 100 B values, near cache off; headless Chromium, one context per tab)`)
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`)
mkdirSync(new URL('bench/results/', root), { recursive: true })
writeFileSync(new URL('bench/results/browser.json', root), JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2) + '\n')

/** An ESM bundle's size: the entry with every chunk it imports statically (what a page loads at start), and the chunks only imported dynamically. */
function bundleSizes (dir: URL, entry: string): { raw: number, gzip: number, lazyRaw: number, lazyGzip: number } {
  const sizes = { raw: 0, gzip: 0, lazyRaw: 0, lazyGzip: 0 }
  const eager = new Set<string>()
  const lazy = new Set<string>()
  const visit = (file: string): void => {
    if (eager.has(file)) return
    eager.add(file)
    const text = readFileSync(new URL(file, dir), 'utf8')
    for (const [, name] of text.matchAll(/(?:^|\n)import\s[^;]*?from\s*"\.\/([^"]+)"/g)) visit(name)
    for (const [, name] of text.matchAll(/import\("\.\/([^"]+)"\)/g)) lazy.add(name)
  }
  visit(entry)
  for (const file of eager) {
    const bytes = readFileSync(new URL(file, dir))
    sizes.raw += bytes.byteLength
    sizes.gzip += gzipSync(bytes).byteLength
  }
  for (const file of [...lazy].filter(f => !eager.has(f))) {
    const bytes = readFileSync(new URL(file, dir))
    sizes.lazyRaw += bytes.byteLength
    sizes.lazyGzip += gzipSync(bytes).byteLength
  }
  return sizes
}
