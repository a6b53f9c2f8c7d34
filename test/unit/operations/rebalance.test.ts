/**
 * The merge path of rebalance.ts, with real stores and a fake network: peers'
 * contexts call each other's HANDOFF handler directly, and each peer's view of
 * a key's owners is set by hand (as a partial view after a heal would give).
 */
import { describe, expect, it } from 'vitest'
import { HybridClock } from '../../../src/hlc.js'
import { NearCache } from '../../../src/invalidation/near-cache.js'
import { handleHandoff, pushTo, reconcile } from '../../../src/operations/rebalance.js'
import { Frame, Op } from '../../../src/protocol/frame.js'
import { Store } from '../../../src/store/index.js'
import type { Context } from '../../../src/operations/context.js'
import type { InvalidationItem } from '../../../src/invalidation/invalidator.js'

const KS = 'default'
const GRACE_MS = 2_000
/** The fake wall clock every peer's context reads. */
const clock = { now: 1_000_000 }
const EMPTY = Frame.decode(new Uint8Array(0))

interface FakePeer {
  ctx: Context
  /** This peer's current idea of the owners of every key. */
  owners: string[]
  announced: InvalidationItem[]
}

/** Peers by id; a request to a peer not in `down` runs its handler. */
function network (ids: string[], down = new Set<string>()): Map<string, FakePeer> {
  const peers = new Map<string, FakePeer>()
  for (const id of ids) {
    const peer: FakePeer = { owners: [], announced: [], ctx: undefined as unknown as Context }
    peer.ctx = {
      self: id,
      store: new Store(),
      near: new NearCache({ maxEntries: 100, maxStalenessMs: 1_000 }),
      clock: new HybridClock(),
      invalidator: { publish: (item: InvalidationItem) => { peer.announced.push(item) } },
      rpc: {
        request: async (to: string, frame: Partial<Frame>) => {
          if (down.has(to) || frame.op !== Op.HANDOFF) throw new Error(`${to} is unreachable`)
          return { ...EMPTY, ...(await handleHandoff(peers.get(to)!.ctx, { ...EMPTY, ...frame })), response: true }
        }
      },
      transfers: new Map(),
      handedOff: new Map(),
      handOffGraceMs: GRACE_MS,
      now: () => clock.now,
      owners: () => peer.owners
    } as unknown as Context
    peers.set(id, peer)
  }
  return peers
}

const put = (peer: FakePeer, key: string, value: number, version: bigint): void => {
  peer.ctx.store.apply(KS, key, { value: new Uint8Array([value]), version, expiresAt: 0 })
}
const held = (peer: FakePeer, key = 'k'): number | undefined => peer.ctx.store.peek(KS, key)?.value[0]

describe('rebalance: merging after a partition', () => {
  it('a join: the pusher keeps what it no longer owns for the grace period, then the sweep drops it', async () => {
    const peers = network(['x', 'n', 'z'])
    const x = peers.get('x')!
    put(x, 'k', 1, 10n)
    x.owners = ['n', 'z']
    await pushTo(x.ctx, 'n')
    expect(held(peers.get('n')!)).toBe(1)
    // A reader that has not heard of n yet still asks x.
    expect(held(x)).toBe(1)
    clock.now += GRACE_MS - 1
    expect(await reconcile(x.ctx, true)).toBe(false) // still waiting: the sweep runs again
    expect(held(x)).toBe(1)
    clock.now += 1
    expect(await reconcile(x.ctx, true)).toBe(true)
    expect(held(x)).toBeUndefined()
    expect(held(peers.get('z')!)).toBe(1) // sent on to every owner before the drop
    expect(x.ctx.handedOff.size).toBe(0)
  })

  it('a key written again after its hand-off is not marked: the sweep sends the newer version on', async () => {
    const peers = network(['x', 'n', 'z'])
    const [x, n] = [peers.get('x')!, peers.get('n')!]
    put(x, 'k', 1, 10n)
    x.owners = ['n', 'z']
    let pushed!: () => void
    const pushing = new Promise<void>(resolve => { pushed = resolve })
    const request = x.ctx.rpc.request.bind(x.ctx.rpc)
    x.ctx.rpc.request = async (to, frame) => {
      const reply = await request(to, frame)
      put(x, 'k', 2, 20n) // a writer with an older view reached x while the push was out
      pushed()
      return reply
    }
    await Promise.all([pushTo(x.ctx, 'n'), pushing])
    expect(held(n)).toBe(1)
    expect(x.ctx.handedOff.size).toBe(0)
    expect(await reconcile(x.ctx, true)).toBe(true)
    expect([held(x), held(n), held(peers.get('z')!)]).toEqual([undefined, 2, 2])
  })

  it('a merge keeps the key, so every owner that comes back into view gets the newer version', async () => {
    // x wrote k (version 20) on its side; o1 and o2, on the other side, hold
    // version 10. b3 comes back into x's view first and, in that partial view,
    // owns k; then o1 and o2 do, and they are k's owners for good.
    const peers = network(['x', 'b3', 'o1', 'o2'])
    const [x, b3, o1, o2] = ['x', 'b3', 'o1', 'o2'].map(id => peers.get(id)!)
    put(x, 'k', 2, 20n)
    put(o1, 'k', 1, 10n)
    put(o2, 'k', 1, 10n)
    x.owners = ['b3', 'z']
    await pushTo(x.ctx, 'b3', true)
    expect(held(b3)).toBe(2)
    expect(held(x)).toBe(2) // a join would have dropped it here, and o1, o2 would keep version 10
    x.owners = ['o1', 'o2']
    await pushTo(x.ctx, 'o1', true)
    await pushTo(x.ctx, 'o2', true)
    expect([held(o1), held(o2)]).toEqual([2, 2])
    // Their readers' copies of version 10 must go: announced as a write.
    expect(o1.announced).toEqual([{ keyspace: KS, key: 'k', version: 20n }])
    expect(o2.announced).toEqual([{ keyspace: KS, key: 'k', version: 20n }])
    expect(b3.announced).toEqual([]) // b3 had no version of k: nothing changed for its readers

    // Once the view holds still, x and b3 hand off what they no longer own, and drop it.
    b3.owners = ['o1', 'o2']
    expect(await reconcile(x.ctx)).toBe(true)
    expect(await reconcile(b3.ctx)).toBe(true)
    expect([held(x), held(b3), held(o1), held(o2)]).toEqual([undefined, undefined, 2, 2])
  })

  it('the older version never wins, whichever way it is pushed', async () => {
    const peers = network(['a', 'b'])
    const [a, b] = [peers.get('a')!, peers.get('b')!]
    put(a, 'k', 1, 10n)
    put(b, 'k', 2, 20n)
    a.owners = ['a', 'b']
    b.owners = ['a', 'b']
    await pushTo(a.ctx, 'b', true)
    await pushTo(b.ctx, 'a', true)
    expect([held(a), held(b)]).toEqual([2, 2])
    expect(b.announced).toEqual([])
    expect(a.announced).toEqual([{ keyspace: KS, key: 'k', version: 20n }])
  })

  it('reconcile repairs a co-owner that a failed push left with an older version', async () => {
    const peers = network(['x', 'o1'])
    const [x, o1] = [peers.get('x')!, peers.get('o1')!]
    put(x, 'k', 2, 20n)
    put(o1, 'k', 1, 10n)
    x.owners = ['x', 'o1']
    expect(await reconcile(x.ctx)).toBe(true)
    expect([held(x), held(o1)]).toEqual([2, 2])
    expect(o1.announced).toEqual([{ keyspace: KS, key: 'k', version: 20n }])
  })

  it('a key whose owner cannot be reached is kept, and the caller told to try again', async () => {
    const peers = network(['x', 'o1', 'o2'], new Set(['o2']))
    const x = peers.get('x')!
    put(x, 'k', 2, 20n)
    x.owners = ['o1', 'o2']
    expect(await reconcile(x.ctx)).toBe(false)
    expect(held(x)).toBe(2)
    expect(held(peers.get('o1')!)).toBe(2)
  })

  it('a key whose owners changed while the sends were out is kept', async () => {
    const peers = network(['x', 'o1', 'o2'])
    const x = peers.get('x')!
    put(x, 'k', 2, 20n)
    x.owners = ['o1', 'o2']
    const sending = reconcile(x.ctx)
    x.owners = ['o1', 'x']
    expect(await sending).toBe(true)
    expect(held(x)).toBe(2)
  })
})
