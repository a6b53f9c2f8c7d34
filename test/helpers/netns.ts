/**
 * Two Linux network namespaces joined by a veth pair, for partition tests
 * (root and iproute2's `ip`; test/browser/netns.mjs makes its one namespace
 * the same way). Each side's peers listen on its end's address; taking one end
 * down cuts every connection between the sides while each side still reaches
 * itself (the kernel keeps a down interface's local route).
 */
import { spawnSync } from 'node:child_process'

export interface Side {
  ns: string
  dev: string
  /** The address peers on this side listen on. */
  ip: string
  /** Runs a command inside this side's namespace (for spawnPeer's prefix). */
  exec: string[]
}

export interface NetnsPair {
  a: Side
  b: Side
  /** Cuts the link between the sides (both ends lose carrier). */
  cut: () => void
  heal: () => void
  /** Deletes both namespaces; safe to call twice. Processes inside must be gone first. */
  remove: () => void
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable (): string | undefined {
  if (process.platform !== 'linux') return `Linux network namespaces are not available on ${process.platform}`
  if (process.getuid?.() !== 0) return `creating network namespaces needs root (uid ${String(process.getuid?.())})`
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  if (list.error != null || list.status !== 0) return `\`ip netns list\` failed (${list.error?.message ?? list.stderr.trim()}): install iproute2`
  return undefined
}

function ip (...argv: string[]): void {
  const result = spawnSync('ip', argv, { encoding: 'utf8' })
  if (result.error != null || result.status !== 0) {
    throw new Error(`ip ${argv.join(' ')} failed: ${result.error?.message ?? result.stderr.trim()}`)
  }
}

/** Namespaces left by runs that were killed before their teardown (named after a pid no longer running). */
function removeStale (): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? ''
  for (const [, ns, pid] of list.matchAll(/^(mc-[ab]-(\d+))\b/gm)) {
    try {
      process.kill(Number(pid), 0)
    } catch {
      spawnSync('ip', ['netns', 'del', ns])
    }
  }
}

/** Creates the pair; `tag` (a pid) keeps concurrent runs apart. Removes what it made when a step fails. */
export function createNetnsPair (tag: string, subnet = '10.78.0'): NetnsPair {
  removeStale()
  const side = (name: string, host: number): Side => {
    const ns = `mc-${name}-${tag}`
    return { ns, dev: `mc${name}`, ip: `${subnet}.${host}`, exec: ['ip', 'netns', 'exec', ns] }
  }
  const a = side('a', 1)
  const b = side('b', 2)
  const made: string[] = []
  const remove = (): void => {
    for (const ns of made.splice(0)) spawnSync('ip', ['netns', 'del', ns])
  }
  try {
    for (const s of [a, b]) {
      ip('netns', 'add', s.ns)
      made.push(s.ns)
      ip('-n', s.ns, 'link', 'set', 'lo', 'up')
    }
    ip('-n', a.ns, 'link', 'add', a.dev, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns)
    for (const s of [a, b]) {
      ip('-n', s.ns, 'addr', 'add', `${s.ip}/24`, 'dev', s.dev)
      ip('-n', s.ns, 'link', 'set', s.dev, 'up')
    }
  } catch (err) {
    remove()
    throw err
  }
  return {
    a,
    b,
    cut: () => { ip('-n', a.ns, 'link', 'set', a.dev, 'down') },
    heal: () => { ip('-n', a.ns, 'link', 'set', a.dev, 'up') },
    remove
  }
}
