import { existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MULTIADDR, meshName, relayArgs, run, scratch, startServer, terminate, useCli } from './cli-helpers.js'

useCli()

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
