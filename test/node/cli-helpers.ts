/** Set-up shared by the CLI tests: the built CLI run as child processes, each one tracked and killed. */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import type { ChildProcess } from 'node:child_process'

/** The built CLI: run `npx tsc -p tsconfig.json` first. */
export const CLI = fileURLToPath(new URL('../../dist/node/cli.js', import.meta.url))
export const RUN_TIMEOUT_MS = 20_000
export const START_TIMEOUT_MS = 25_000
export const EXIT_TIMEOUT_MS = 15_000

export const meshName = (what: string): string => `cli-${what}-${Math.random().toString(36).slice(2, 10)}`
export const MULTIADDR = /^\/ip[46]\/\S+\/p2p\/(12D3Koo\w+)$/

export let scratch: string

// ---------------------------------------------------------------------------
// Child processes: every one is tracked and SIGKILLed in afterEach if still up.

export interface Server {
  child: ChildProcess
  /** Multiaddrs printed on stdout, one per line. */
  addrs: string[]
  peerId: string
  /** Base URL of the HTTP API, from "http api on URL" on stderr (when --http was given). */
  api?: string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  stdout: () => string
  stderr: () => string
}

export const children = new Set<ChildProcess>()

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

export function launch (args: string[], env: Record<string, string> = {}): { child: ChildProcess, out: () => string, err: () => string, exited: Server['exited'] } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  children.add(child)
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
    child.once('close', (code, signal) => { resolve({ code, signal }) })
  })
  return { child, out: () => out, err: () => err, exited }
}

/** Runs a short CLI command to its end (SIGKILLed after RUN_TIMEOUT_MS). */
export async function run (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const { child, out, err, exited } = launch(args, env)
  const timer = setTimeout(() => { child.kill('SIGKILL') }, RUN_TIMEOUT_MS)
  const { code, signal } = await exited
  clearTimeout(timer)
  children.delete(child)
  if (signal === 'SIGKILL') throw new Error(`meshcache ${args.join(' ')} did not finish in ${RUN_TIMEOUT_MS} ms\n${err()}`)
  return { code, stdout: out(), stderr: err() }
}

/**
 * Starts `meshcache relay|peer ...` and resolves once it has printed its
 * addresses (and its HTTP URL when `http` is set). `expectAddrs`: how many
 * listen addresses to wait for.
 */
export async function startServer (args: string[], { http = true, expectAddrs = 1, env = {} as Record<string, string> } = {}): Promise<Server> {
  const { child, out, err, exited } = launch(args, env)
  let exit: { code: number | null, signal: NodeJS.Signals | null } | undefined
  void exited.then(e => { exit = e })
  const lines = (): string[] => out().split('\n').slice(0, -1) // complete lines only
  const apiOf = (): string | undefined => /http api on (http:\/\/\S+)/.exec(err())?.[1]
  const deadline = Date.now() + START_TIMEOUT_MS
  try {
    while (lines().length < expectAddrs || (http && apiOf() === undefined)) {
      if (exit !== undefined) throw new Error(`meshcache ${args.join(' ')} exited (${exit.code ?? exit.signal}) before it was ready\n${err()}`)
      if (Date.now() > deadline) throw new Error(`meshcache ${args.join(' ')} was not ready in ${START_TIMEOUT_MS} ms\nstdout: ${out()}\nstderr: ${err()}`)
      await sleep(20)
    }
    const addrs = lines()
    const ids = new Set(addrs.map(a => MULTIADDR.exec(a)?.[1]))
    expect(ids.size, `one peer id across ${addrs.join(', ')}`).toBe(1)
    const [peerId] = [...ids]
    expect(peerId, `multiaddrs on stdout: ${out()}`).toBeDefined()
    return { child, addrs, peerId: peerId!, api: apiOf(), exited, stdout: out, stderr: err }
  } catch (error) {
    // Not ready: never leave it running, even when called from a beforeAll.
    children.delete(child)
    if (exit === undefined) {
      child.kill('SIGKILL')
      await Promise.race([exited, sleep(5_000)])
    }
    throw error
  }
}

/** SIGTERM, then wait (bounded) for the exit. */
export async function terminate (server: Server): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
  server.child.kill('SIGTERM')
  const result = await Promise.race([server.exited, sleep(EXIT_TIMEOUT_MS).then(() => undefined)])
  if (result === undefined) throw new Error(`no exit within ${EXIT_TIMEOUT_MS} ms of SIGTERM`)
  children.delete(server.child)
  return result
}

export const tcpAddr = (server: Server): string => {
  const addr = server.addrs.find(a => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//.test(a))
  expect(addr, `a loopback TCP address in ${server.addrs.join(', ')}`).toBeDefined()
  return addr!
}

export async function retry<T> (check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await sleep(100)
    }
  }
}

export const relayArgs = (keyFile: string, mesh: string, ...extra: string[]): string[] => [
  'relay', '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws', '--key-file', keyFile, '--mesh', mesh, '--http', '0', ...extra
]

/**
 * For every CLI test file: checks the CLI is built, makes `scratch` (a fresh
 * temporary directory, the children's working directory), and SIGKILLs
 * children still up after each test.
 */
export function useCli (): void {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`)
    scratch = mkdtempSync(join(tmpdir(), 'meshcache-cli-test-'))
  })
  afterAll(() => { rmSync(scratch, { recursive: true, force: true }) })
  afterEach(async () => {
    await Promise.all([...children].map(async child => {
      children.delete(child)
      if (child.exitCode !== null || child.signalCode !== null) return
      const gone = new Promise(resolve => child.once('exit', resolve))
      child.kill('SIGKILL')
      await Promise.race([gone, sleep(5_000)])
    }))
  })
}
