import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ChildProcess } from 'node:child_process'

/** The built CLI: run `npx tsc -p tsconfig.json` first. */
const CLI = fileURLToPath(new URL('../../dist/node/cli.js', import.meta.url))
const RUN_TIMEOUT_MS = 20_000
const START_TIMEOUT_MS = 25_000
const EXIT_TIMEOUT_MS = 15_000

const meshName = (what: string): string => `cli-${what}-${Math.random().toString(36).slice(2, 10)}`
const MULTIADDR = /^\/ip[46]\/\S+\/p2p\/(12D3Koo\w+)$/

let scratch: string
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`)
  scratch = mkdtempSync(join(tmpdir(), 'meshcache-cli-test-'))
})
afterAll(() => { rmSync(scratch, { recursive: true, force: true }) })

// ---------------------------------------------------------------------------
// Child processes: every one is tracked and SIGKILLed in afterEach if still up.

interface Server {
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

const children = new Set<ChildProcess>()

afterEach(async () => {
  await Promise.all([...children].map(async child => {
    children.delete(child)
    if (child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGKILL')
    await Promise.race([gone, sleep(5_000)])
  }))
})

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

function launch (args: string[], env: Record<string, string> = {}): { child: ChildProcess, out: () => string, err: () => string, exited: Server['exited'] } {
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
async function run (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
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
async function startServer (args: string[], { http = true, expectAddrs = 1, env = {} as Record<string, string> } = {}): Promise<Server> {
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
async function terminate (server: Server): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
  server.child.kill('SIGTERM')
  const result = await Promise.race([server.exited, sleep(EXIT_TIMEOUT_MS).then(() => undefined)])
  if (result === undefined) throw new Error(`no exit within ${EXIT_TIMEOUT_MS} ms of SIGTERM`)
  children.delete(server.child)
  return result
}

const tcpAddr = (server: Server): string => {
  const addr = server.addrs.find(a => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//.test(a))
  expect(addr, `a loopback TCP address in ${server.addrs.join(', ')}`).toBeDefined()
  return addr!
}

async function retry<T> (check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
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

const relayArgs = (keyFile: string, mesh: string, ...extra: string[]): string[] => [
  'relay', '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws', '--key-file', keyFile, '--mesh', mesh, '--http', '0', ...extra
]

// ---------------------------------------------------------------------------

describe('meshcache relay', () => {
  it('prints its multiaddrs, creates a 0600 key file, exits 0 on SIGTERM and keeps its peer id', async () => {
    const keyFile = join(scratch, 'relay-identity', 'nested', 'relay.key')
    const mesh = meshName('relay')
    expect(existsSync(keyFile)).toBe(false)

    const first = await startServer(relayArgs(keyFile, mesh), { expectAddrs: 2 })
    for (const addr of first.addrs) {
      expect(addr).toMatch(/^\/ip[46]\//)
      expect(addr.endsWith(`/p2p/${first.peerId}`)).toBe(true)
    }
    // Both listen addresses are there, on loopback, on real ports.
    expect(first.addrs.some(a => /^\/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*\/p2p\//.test(a))).toBe(true)
    expect(first.addrs.some(a => /^\/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*\/ws\/p2p\//.test(a))).toBe(true)
    // --http 0 picks a free port and says which.
    expect(first.api).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/)
    const status = await (await fetch(`${first.api}/status`)).json() as { peerId: string, mesh: string }
    expect(status.peerId).toBe(first.peerId)
    expect(status.mesh).toBe(mesh)

    expect(existsSync(keyFile)).toBe(true)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)

    const exit = await terminate(first)
    expect(exit).toEqual({ code: 0, signal: null })

    const second = await startServer(relayArgs(keyFile, mesh), { expectAddrs: 2 })
    expect(second.peerId).toBe(first.peerId)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(await terminate(second)).toEqual({ code: 0, signal: null })

    // A different key file is a different identity.
    const other = await startServer(relayArgs(join(scratch, 'other-relay.key'), mesh), { expectAddrs: 2 })
    expect(other.peerId).not.toBe(first.peerId)
    expect(await terminate(other)).toEqual({ code: 0, signal: null })
  })

  it('exits 0 on SIGTERM without an HTTP API too', async () => {
    const keyFile = join(scratch, 'relay-no-http.key')
    const server = await startServer(['relay', '--listen', '/ip4/127.0.0.1/tcp/0', '--key-file', keyFile, '--mesh', meshName('nohttp')], { http: false })
    expect(server.addrs.every(a => MULTIADDR.test(a))).toBe(true)
    expect(server.stderr()).not.toContain('http api on')
    expect(await terminate(server)).toEqual({ code: 0, signal: null })
  })

  it('refuses a key file that holds no private key, with exit code 1', async () => {
    const keyFile = join(scratch, 'garbage.key')
    writeFileSync(keyFile, 'this is not a protobuf private key\n')
    const result = await run(['relay', '--listen', '/ip4/127.0.0.1/tcp/0', '--key-file', keyFile, '--mesh', meshName('bad')])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('does not hold a libp2p private key')
    expect(result.stdout).toBe('')
  })

  it('rejects a --http that is not a non-negative integer', async () => {
    for (const port of ['abc', '-1', '1.5']) {
      const result = await run(['relay', '--listen', '/ip4/127.0.0.1/tcp/0', '--key-file', join(scratch, 'unused.key'), '--http', port])
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain('--http must be a non-negative integer')
    }
    expect(existsSync(join(scratch, 'unused.key'))).toBe(false)
  })
})

describe('meshcache get / set / del / status against a relay', () => {
  let relay: Server
  let api: string

  beforeAll(async () => {
    relay = await startServer(relayArgs(join(scratch, 'ops-relay.key'), meshName('ops')), { expectAddrs: 2 })
    api = relay.api!
    // Lives for the whole describe: afterAll stops it, not the per-test afterEach.
    children.delete(relay.child)
  })
  afterAll(async () => {
    if (relay == null || relay.child.exitCode !== null || relay.child.signalCode !== null) return
    const gone = new Promise(resolve => relay.child.once('exit', resolve))
    relay.child.kill('SIGKILL')
    await Promise.race([gone, sleep(5_000)])
  })

  it('set stores JSON, get prints it, del deletes it, then get exits 1', async () => {
    const set = await run(['set', 'k', '{"a":1}', '--api', api])
    expect(set.code, set.stderr).toBe(0)
    expect(JSON.parse(set.stdout)).toEqual({ key: 'k', data: { a: 1 }, node: relay.peerId })

    const get = await run(['get', 'k', '--api', api])
    expect(get.code, get.stderr).toBe(0)
    expect(JSON.parse(get.stdout)).toEqual({ key: 'k', data: { a: 1 }, node: relay.peerId })

    const del = await run(['del', 'k', '--api', api])
    expect(del.code, del.stderr).toBe(0)
    expect(JSON.parse(del.stdout)).toMatchObject({ key: 'k', deleted: true })

    const again = await run(['get', 'k', '--api', api])
    expect(again.code).toBe(1)
    expect(again.stdout).toBe('')
    expect(JSON.parse(again.stderr)).toMatchObject({ code: 'ERR_NOT_FOUND' })

    const delAgain = await run(['del', 'k', '--api', api])
    expect(delAgain.code).toBe(1)
  })

  it('set takes a value that is not JSON as a string', async () => {
    expect((await run(['set', 'greeting', 'hello world', '--api', api])).code).toBe(0)
    const get = await run(['get', 'greeting', '--api', api])
    expect(get.code).toBe(0)
    expect(JSON.parse(get.stdout).data).toBe('hello world')

    expect((await run(['set', 'number', '42', '--api', api])).code).toBe(0)
    expect(JSON.parse((await run(['get', 'number', '--api', api])).stdout).data).toBe(42)
  })

  it('--keyspace scopes set/get/del and --ttl sets a TTL', async () => {
    expect((await run(['set', 'ks', '"users"', '--keyspace', 'users', '--ttl', '60000', '--api', api])).code).toBe(0)
    expect((await run(['get', 'ks', '--api', api])).code).toBe(1)
    const scoped = await run(['get', 'ks', '--keyspace', 'users', '--api', api])
    expect(scoped.code).toBe(0)
    expect(JSON.parse(scoped.stdout).data).toBe('users')

    const ttl = await (await fetch(`${api}/api/ttl?key=ks&keyspace=users`)).json() as { ttlMs: number }
    expect(ttl.ttlMs).toBeGreaterThan(0)
    expect(ttl.ttlMs).toBeLessThanOrEqual(60_000)

    expect((await run(['del', 'ks', '--keyspace', 'users', '--api', api])).code).toBe(0)
    expect((await run(['get', 'ks', '--keyspace', 'users', '--api', api])).code).toBe(1)
  })

  it('a server-side error exits 1 with the JSON error on stderr', async () => {
    const bad = await run(['set', 'k', '1', '--keyspace', 'bad name', '--api', api])
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stderr)).toMatchObject({ code: 'ERR_INVALID_OPTION' })
  })

  it('status prints JSON with members', async () => {
    const status = await run(['status', '--api', api])
    expect(status.code, status.stderr).toBe(0)
    const body = JSON.parse(status.stdout) as { peerId: string, members: Array<{ peerId: string }>, keys: number }
    expect(body.peerId).toBe(relay.peerId)
    expect(Array.isArray(body.members)).toBe(true)
    expect(body.members.map(m => m.peerId)).toContain(relay.peerId)
    expect(typeof body.keys).toBe('number')
  })

  it('get without --api fails; an unreachable --api exits 1', async () => {
    const missing = await run(['get', 'k'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('--api')

    // Port 1 on loopback: nothing listens there.
    const unreachable = await run(['get', 'k', '--api', 'http://127.0.0.1:1'])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(/^meshcache: /)
  })
})

describe('meshcache --help', () => {
  it.each([
    ['relay', ['--listen', '--http', '--key-file', '--mesh', '--max-reservations', '--secret', 'MESHCACHE_SECRET']],
    ['peer', ['--bootstrap', '--listen', '--http', '--key-file', '--mesh', '--replicas', '--role', '--secret', 'MESHCACHE_SECRET']],
    ['get', ['--api', '--keyspace']],
    ['set', ['--api', '--keyspace', '--ttl']],
    ['del', ['--api', '--keyspace']],
    ['status', ['--api']]
  ])('%s --help exits 0 and lists its options', async (command, options) => {
    const help = await run([command, '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain(`Usage: meshcache ${command}`)
    for (const option of options) expect(help.stdout).toContain(option)
  })

  it('the top-level help lists every command', async () => {
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    for (const command of ['relay', 'peer', 'get', 'set', 'del', 'status']) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'))
  })
})

describe('meshcache peer', () => {
  it('joins the relay\'s mesh: a value set through the relay\'s API is read through the peer\'s', async () => {
    const mesh = meshName('join')
    const relay = await startServer(relayArgs(join(scratch, 'join-relay.key'), mesh), { expectAddrs: 2 })
    const peerKey = join(scratch, 'join-peer.key')
    const peer = await startServer([
      'peer', '--bootstrap', tcpAddr(relay), '--listen', '/ip4/127.0.0.1/tcp/0', '--http', '0', '--mesh', mesh, '--key-file', peerKey
    ])
    expect(peer.peerId).not.toBe(relay.peerId)
    expect(peer.addrs.every(a => a.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)
    expect(statSync(peerKey).mode & 0o777).toBe(0o600)

    // Both see both.
    await retry(async () => {
      for (const api of [relay.api!, peer.api!]) {
        const status = JSON.parse((await run(['status', '--api', api])).stdout) as { members: Array<{ peerId: string }> }
        expect(status.members.map(m => m.peerId).sort()).toEqual([relay.peerId, peer.peerId].sort())
      }
    })

    const set = await run(['set', 'shared', '{"from":"relay"}', '--api', relay.api!])
    expect(set.code, set.stderr).toBe(0)
    await retry(async () => {
      const get = await run(['get', 'shared', '--api', peer.api!])
      expect(get.code, get.stderr).toBe(0)
      expect(JSON.parse(get.stdout)).toEqual({ key: 'shared', data: { from: 'relay' }, node: peer.peerId })
    })

    // And the other way round.
    expect((await run(['set', 'back', '[1,2,3]', '--api', peer.api!])).code).toBe(0)
    await retry(async () => {
      const get = await run(['get', 'back', '--api', relay.api!])
      expect(get.code, get.stderr).toBe(0)
      expect(JSON.parse(get.stdout).data).toEqual([1, 2, 3])
    })

    expect(await terminate(peer)).toEqual({ code: 0, signal: null })
    expect(await terminate(relay)).toEqual({ code: 0, signal: null })
  })

  it('with another --mesh it refuses to start, and the relay is left alone', async () => {
    const relay = await startServer(relayArgs(join(scratch, 'mesh-relay.key'), meshName('a')), { expectAddrs: 2 })
    const peer = await run([
      'peer', '--bootstrap', tcpAddr(relay), '--listen', '/ip4/127.0.0.1/tcp/0', '--mesh', meshName('b')
    ])
    expect(peer.code).toBe(1)
    expect(peer.stderr).toMatch(/join mesh/)
    const members = JSON.parse((await run(['status', '--api', relay.api!])).stdout) as { members: Array<{ peerId: string }> }
    expect(members.members.map(m => m.peerId)).toEqual([relay.peerId])
    expect(await terminate(relay)).toEqual({ code: 0, signal: null })
  })

  it('with a secret (MESHCACHE_SECRET or --secret): the same one joins, another is refused, and status never shows it', async () => {
    const mesh = meshName('secret')
    const secret = 'cli-secret-' + Math.random().toString(36).slice(2)
    const relay = await startServer(relayArgs(join(scratch, 'secret-relay.key'), mesh), { expectAddrs: 2, env: { MESHCACHE_SECRET: secret } })
    const peer = await startServer(['peer', '--bootstrap', tcpAddr(relay), '--listen', '/ip4/127.0.0.1/tcp/0', '--http', '0', '--mesh', mesh, '--secret', secret])
    const statusText = (await run(['status', '--api', relay.api!])).stdout
    const status = JSON.parse(statusText) as { members: Array<{ peerId: string }>, access: { secret: boolean } }
    expect(status.access.secret).toBe(true)
    expect(statusText).not.toContain(secret)
    await retry(async () => {
      const members = JSON.parse((await run(['status', '--api', relay.api!])).stdout) as { members: Array<{ peerId: string }> }
      expect(members.members.map(m => m.peerId).sort()).toEqual([relay.peerId, peer.peerId].sort())
    })

    const wrong = await run(['peer', '--bootstrap', tcpAddr(relay), '--listen', '/ip4/127.0.0.1/tcp/0', '--mesh', mesh], { MESHCACHE_SECRET: 'not-' + secret })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/secret/)
    expect(wrong.stderr).not.toContain(secret)
    expect(await terminate(peer)).toEqual({ code: 0, signal: null })
    expect(await terminate(relay)).toEqual({ code: 0, signal: null })
  })

})
