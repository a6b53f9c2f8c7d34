import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../node/index.js'
import { Heartbeat } from '../../src/membership/heartbeat.js'
import { Op } from '../../src/protocol/frame.js'
import { encodeValue } from '../../src/values.js'
import { FAST, LOOPBACK, seedOf, startCluster, waitFor } from '../helpers/cluster.js'
import { sendRaw } from '../helpers/wire.js'
import type { Cluster } from '../helpers/cluster.js'
import type { MeshCache } from '../../node/index.js'

const SECRET = 'correct horse battery staple'

describe('a mesh with a secret', () => {
  let cluster: Cluster
  let mesh: string
  const outsiders: MeshCache[] = []

  /** A peer of the same mesh name started alone (no bootstrap), so it exists to attack from. */
  async function outsider (secret?: string): Promise<MeshCache> {
    const peer = await createCache({ ...FAST, mesh, listen: LOOPBACK, ...(secret != null ? { secret } : {}) })
    outsiders.push(peer)
    return peer
  }

  async function memberIds (peer: MeshCache): Promise<string[]> {
    return (await peer.status()).members.map(m => m.peerId)
  }

  // Proving the secret to each other took over 30 s once in a CI run, beside
  // another test file (4-18 s in the others): not understood yet, so the
  // bound is wide.
  beforeAll(async () => {
    cluster = await startCluster(3, { secret: SECRET }, 75_000)
    mesh = (await cluster.peers[0].status()).mesh
  }, 90_000)
  // Outsiders without a secret form a mesh of their own once they find each
  // other (the members' DHT can name one to another): each test starts with none.
  afterEach(async () => {
    await Promise.allSettled(outsiders.splice(0).map(async o => o.stop()))
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('members prove it to each other, form the mesh and serve each other', async () => {
    const [a, b, c] = cluster.peers
    await a.set('k', 'v')
    expect(await b.get('k')).toBe('v')
    expect(await c.get('k')).toBe('v')
    for (const peer of cluster.peers) {
      const status = await peer.status()
      expect(status.members).toHaveLength(3)
      expect(status.access.secret).toBe(true)
      expect(status.access.verifiedPeers).toBeGreaterThanOrEqual(2)
      expect(status.access.unauthorized).toBe(0)
      // Never the secret, anywhere in what an operator sees.
      expect(JSON.stringify(status)).not.toContain(SECRET)
    }
  })

  it('a peer with the wrong secret cannot join: createCache rejects with ERR_UNAUTHORIZED', async () => {
    const err = await createCache({ ...FAST, mesh, listen: LOOPBACK, bootstrap: seedOf(cluster.peers), secret: 'not the secret' })
      .then(() => undefined, (e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_UNAUTHORIZED' })
    expect(String((err as Error).message)).not.toContain('not the secret')
  })

  it('a peer without a secret cannot join either', async () => {
    await expect(createCache({ ...FAST, mesh, listen: LOOPBACK, bootstrap: seedOf(cluster.peers) }))
      .rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' })
  })

  it('an outsider is no member, is refused with ERR_UNAUTHORIZED and changes nothing', async () => {
    const [a, b, c] = cluster.peers
    await a.set('guarded', 'original')
    const wrong = await outsider('not the secret')
    const none = await outsider()
    const target = a.ownersOf('guarded')[0] === a.peerId ? a : cluster.peers.find(p => p.peerId === a.ownersOf('guarded')[0])!

    // Its own side refuses to talk to a peer that fails the proof.
    await wrong.libp2p.dial(multiaddr(seedOf([target])[0])).catch(() => {})
    await expect(wrong.ping(target.peerId)).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' })

    // Without a secret it can still send frames by hand: every one is refused.
    const answers = await sendRaw(none, target, [
      { op: Op.GET, keyspace: 'default', keys: ['guarded'] },
      { op: Op.SET, entries: [{ keyspace: 'default', key: 'guarded', value: encodeValue('forged', 1024), version: 1n << 62n, expiresAt: 0n, staleAt: 0n }] },
      { op: Op.DELETE, keyspace: 'default', keys: ['guarded'], version: 1n << 62n },
      { op: Op.JOIN, mesh, members: [{ peerId: none.peerId, role: 'owner', weight: 1, incarnation: 1n, addrs: [] }] }
    ])
    expect(answers.length).toBeGreaterThan(0)
    for (const answer of answers) {
      expect(answer.errorCode).toBe('ERR_UNAUTHORIZED')
      expect(answer.entries).toEqual([])
    }

    for (const peer of cluster.peers) {
      expect(await memberIds(peer)).not.toContain(wrong.peerId)
      expect(await memberIds(peer)).not.toContain(none.peerId)
    }
    expect(await b.get('guarded')).toBe('original')
    expect(await c.get('guarded')).toBe('original')
    await waitFor(async () => (await target.status()).access.unauthorized >= 2, 3_000, 'the refusals to be counted')
    await waitFor(async () => (await target.status()).access.bannedPeers >= 2, 3_000, 'both outsiders to be banned')
    // Hung up and banned: a new connection is refused by the gater (once Noise
    // names the peer), so nothing it sends is even read.
    await waitFor(() => target.libp2p.getConnections(none.libp2p.peerId).length === 0, 3_000, 'the hang-up')
    expect(await sendRaw(none, target, [{ op: Op.GET, keyspace: 'default', keys: ['guarded'] }], 500).catch(() => [])).toEqual([])
    expect(target.libp2p.getConnections(none.libp2p.peerId)).toHaveLength(0)
  })

  it("an outsider's forged gossip changes nothing, and it hears none of the members' gossip", async () => {
    const [a, b, c] = cluster.peers
    const forger = await outsider()
    const pubsub = forger.libp2p.services.pubsub
    const memberPeers = new Set(cluster.peers.map(p => p.peerId))
    const heard: string[] = []
    pubsub.addEventListener('message', evt => {
      const from = evt.detail.type === 'signed' ? evt.detail.from.toString() : undefined
      // Unsigned gossip names no originator: count it as a member's, to be safe.
      if (from == null || memberPeers.has(from)) heard.push(`${evt.detail.topic} from ${from ?? 'unknown'}`)
    })
    const events: string[] = []
    const listen = (peer: MeshCache): void => {
      peer.addEventListener('invalidate', evt => { events.push(`invalidate from ${(evt as CustomEvent).detail.owner as string}`) })
      peer.addEventListener('member:join', evt => { events.push(`join ${(evt as CustomEvent).detail.peerId as string}`) })
    }
    cluster.peers.forEach(listen)

    await a.set('near', 'v1')
    const reader = cluster.peers.find(p => !a.ownersOf('near').includes(p.peerId)) ?? c
    expect(await reader.get('near')).toBe('v1') // a near copy now

    // Connect to every member and publish forged heartbeats while connected;
    // invalidations travel on the meshcache protocol, so send those to the reader by hand.
    for (const member of cluster.peers) await forger.libp2p.dial(multiaddr(seedOf([member])[0])).catch(() => {})
    const members = `meshcache/${mesh}/members/1`
    pubsub.subscribe(members)
    const forged = { keyspace: 'default', key: 'near', version: 1n << 62n, value: new Uint8Array(0), expiresAt: 0n, staleAt: 0n }
    const forgedInvalidations = sendRaw(forger, reader, Array.from({ length: 10 }, (_, i) => ({ id: 0, op: Op.INVALIDATE, epoch: 1n, seq: BigInt(i + 1), entries: [forged] })), 500).catch(() => [])
    for (let i = 0; i < 10; i++) {
      await pubsub.publish(members, Heartbeat.encode({ role: 'owner', weight: 1000, incarnation: 1n, beat: BigInt(i + 1), addrs: [], leaving: false, keys: 0n })).catch(() => {})
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    expect(await forgedInvalidations).toEqual([]) // a notice is never answered
    // Members keep writing meanwhile: the forger must hear none of it.
    await b.set('near', 'v2')
    await new Promise(resolve => setTimeout(resolve, 500))

    expect(events.filter(e => e.includes(forger.peerId))).toEqual([])
    for (const peer of cluster.peers) expect(await memberIds(peer)).not.toContain(forger.peerId)
    expect(heard).toEqual([])
    expect(await reader.get('near')).toBe('v2')
    // The forger did reach the members: they refused it (and ignored whatever
    // gossip arrived before the ban, which may be none: the ban can win the race).
    const refused = await Promise.all(cluster.peers.map(async p => {
      const { access } = await p.status()
      return access.ignoredGossip + access.unauthorized + access.rejected
    }))
    expect(refused.reduce((n, x) => n + x, 0)).toBeGreaterThan(0)
  })
})
