import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { meshName, relayArgs, retry, run, scratch, startServer, tcpAddr, terminate, useCli } from './cli-helpers.js'

useCli()

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

  it('--dns finds the relay through the system resolver (localhost: 127.0.0.1), on the port given', async () => {
    const mesh = meshName('dns')
    const relay = await startServer(relayArgs(join(scratch, 'dns-relay.key'), mesh), { expectAddrs: 2 })
    const port = /\/tcp\/(\d+)\//.exec(tcpAddr(relay))![1]
    const peer = await startServer(['peer', '--dns', `localhost:${port}`, '--listen', '/ip4/127.0.0.1/tcp/0', '--http', '0', '--mesh', mesh])
    await retry(async () => {
      const status = JSON.parse((await run(['status', '--api', peer.api!])).stdout) as { members: Array<{ peerId: string }> }
      expect(status.members.map(m => m.peerId).sort()).toEqual([relay.peerId, peer.peerId].sort())
    })
    const bad = await run(['peer', '--dns', 'not a name', '--listen', '/ip4/127.0.0.1/tcp/0', '--mesh', mesh])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/discovery\.dns/)
    expect(await terminate(peer)).toEqual({ code: 0, signal: null })
    expect(await terminate(relay)).toEqual({ code: 0, signal: null })
  })

  it('--persist: a peer restarted on its directory has its id and its keys', async () => {
    const dir = join(scratch, 'persisted-peer')
    const args = ['peer', '--persist', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--http', '0', '--mesh', meshName('persist')]
    const first = await startServer(args)
    expect((await run(['set', 'kept', '"on disk"', '--api', first.api!])).code).toBe(0)
    expect(await terminate(first)).toEqual({ code: 0, signal: null })
    const second = await startServer(args)
    expect(second.peerId).toBe(first.peerId)
    const get = await run(['get', 'kept', '--api', second.api!])
    expect(get.code, get.stderr).toBe(0)
    expect(JSON.parse(get.stdout).data).toBe('on disk')
    expect(await terminate(second)).toEqual({ code: 0, signal: null })
  })
})
