/**
 * What the browser suites measure of idle tabs: the CPU the browser's
 * processes use (read from /proc, so every Chromium process counts, not only
 * the tabs' renderers) and a CDP profile of one tab, summed by function.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { chromium } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from './chromium.js'
import type { Browser, Page } from '@playwright/test'

export async function launchChromium (): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
}

/** Opens `count` tabs at `url`, each in its own browser context (its own peer); resolves once the pages have loaded. */
export async function openTabs (browser: Browser, url: string, count: number): Promise<Page[]> {
  return Promise.all(Array.from({ length: count }, async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(url)
    return page
  }))
}

/** Each tab's peer id, once its cache has started. */
export async function peerIdsOf (pages: Page[]): Promise<string[]> {
  return Promise.all(pages.map(async p => p.evaluate(async () => (await (window as any).cacheReady).peerId as string)))
}

/** Resolves once every tab's view holds `members` members. */
export async function waitForMembers (pages: Page[], members: number, timeoutMs: number): Promise<void> {
  await Promise.all(pages.map(async p => p.waitForFunction(async (n) => (await (window as any).cache.status()).members.length === n,
    members, { timeout: timeoutMs, polling: 100 })))
}

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())

interface Proc { pid: number, ppid: number, cpuUs: number, type: string, node: boolean }

function processes (): Proc[] {
  const out: Proc[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // The command name is in parentheses and may hold spaces: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8')
      out.push({
        pid: Number(name),
        ppid: Number(fields[1]),
        cpuUs: (Number(fields[11]) + Number(fields[12])) * TICK_US,
        // Chromium's process kind: renderer, gpu-process, utility (network service), zygote; none for the browser.
        type: /--type=([\w-]+)/.exec(cmdline)?.[1] ?? 'browser',
        node: stat.includes('(node)')
      })
    } catch { /* the process ended while we read it */ }
  }
  return out
}

/** CPU µs so far of every Chromium process below this one (the tree the browser launch made), by pid. */
function browserCpu (): Map<number, Proc> {
  const all = processes()
  const below = new Set([process.pid])
  let grew = true
  while (grew) {
    grew = false
    for (const p of all) if (!below.has(p.pid) && below.has(p.ppid)) { below.add(p.pid); grew = true }
  }
  return new Map(all.filter(p => p.pid !== process.pid && below.has(p.pid) && !p.node).map(p => [p.pid, p]))
}

export interface IdleCpu {
  /** Every browser process together, in cores. */
  totalCores: number
  /** Each tab's renderer process, in cores, ascending. */
  rendererCores: number[]
  /** Cores by Chromium process kind (browser, renderer, gpu-process, utility, ...). */
  byKind: Record<string, number>
}

/** The browser's CPU over `ms` of doing nothing but what the tabs do on their own. */
export async function idleBrowserCpu (ms: number): Promise<IdleCpu> {
  const before = browserCpu()
  const t0 = performance.now()
  await new Promise(resolve => setTimeout(resolve, ms))
  const after = browserCpu()
  const wallUs = (performance.now() - t0) * 1000
  let total = 0
  const renderers: number[] = []
  const byKind: Record<string, number> = {}
  for (const [pid, p] of after) {
    const used = (p.cpuUs - (before.get(pid)?.cpuUs ?? 0)) / wallUs
    total += used
    byKind[p.type] = (byKind[p.type] ?? 0) + used
    if (p.type === 'renderer') renderers.push(used)
  }
  return { totalCores: total, rendererCores: renderers.sort((a, b) => a - b), byKind }
}

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number } }

/** A CDP CPU profile of one tab for `ms`: its busy share and the functions with the most self time. */
export async function profileTab (page: Page, ms: number, top = 12): Promise<{ busy: number, entries: Array<{ share: number, name: string }> }> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  await new Promise(resolve => setTimeout(resolve, ms))
  const { profile } = await cdp.send('Profiler.stop') as { profile: { nodes: ProfileNode[], samples: number[], timeDeltas: number[] } }
  await cdp.detach()
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const self = new Map<string, number>()
  let total = 0
  let idle = 0
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    total += dt
    if (functionName === '(idle)') { idle += dt; return }
    const name = `${functionName === '' ? '(anonymous)' : functionName} ${url.split('/').pop() ?? ''}:${lineNumber + 1}`
    self.set(name, (self.get(name) ?? 0) + dt)
  })
  const entries = [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, t]) => ({ share: t / total, name }))
  return { busy: total === 0 ? 0 : 1 - idle / total, entries }
}

export interface IdleFigures extends IdleCpu {
  tabs: number
  profile: Awaited<ReturnType<typeof profileTab>>
}

/**
 * A formed mesh of tabs left alone: `settleMs` for what joining set off to
 * end, then the browser's CPU over `measureMs`, then a profile of the first
 * tab over as long (after, so that profiling does not count as idle CPU).
 */
export async function idleFigures (pages: Page[], settleMs = 5_000, measureMs = 10_000): Promise<IdleFigures> {
  await new Promise(resolve => setTimeout(resolve, settleMs))
  const cpu = await idleBrowserCpu(measureMs)
  const profile = await profileTab(pages[0], measureMs)
  return { tabs: pages.length, ...cpu, profile }
}

/** Table rows for idle figures, and the profile's top entries printed below them. */
export function idleRows (label: string, idle: IdleFigures): string[][] {
  const median = idle.rendererCores[Math.floor(idle.rendererCores.length / 2)] ?? NaN
  console.log(`${label}: CDP profile of one idle tab, ${(idle.profile.busy * 100).toFixed(0)}% busy; top self time:`)
  for (const e of idle.profile.entries) console.log(`  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`)
  return [
    [`${label}: idle browser, all processes`, `${idle.totalCores.toFixed(2)} cores (target ≤ 0.3)`],
    [`${label}: idle tab (renderer), median / max`, `${median.toFixed(3)} / ${(idle.rendererCores.at(-1) ?? NaN).toFixed(3)} cores`],
    [`${label}: idle browser by process kind`, Object.entries(idle.byKind).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')]
  ]
}
