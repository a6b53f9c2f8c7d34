/**
 * The merge path of rebalance/ (push.ts, reconcile.ts, handoff.ts), with real
 * stores and a fake network: a peer's requests run the HANDOFF handler of the
 * peer they go to, and each peer's view of a key's owners is set by hand (as a
 * partial view after a heal would give). Components are the narrow ones those
 * functions declare, built without a cast.
 */
import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { HybridClock } from '../../../src/hlc.js'
import { NearCache } from '../../../src/invalidation/near-cache.js'
import { withSingles } from '../../../src/operations/requests.js'
import { Op } from '../../../src/protocol/frame.js'
import { handleHandoff } from '../../../src/rebalance/handoff.js'
import { pushTo } from '../../../src/rebalance/push.js'
import { reconcile } from '../../../src/rebalance/reconcile.js'
import { Store } from '../../../src/store/index.js'
import { EMPTY, FakeView, NEAR_CACHE, RecordingAnnouncer } from '../operations/fakes.js'
import type { Announced, FakeClock } from '../operations/fakes.js'
import type { ApplyComponents } from '../../../src/operations/apply.js'
import type { Requests } from '../../../src/operations/components.js'
import type { PushComponents, RebalanceState } from '../../../src/rebalance/components.js'

const KS = 'default'
const GRACE_MS = 2_000
/** The fake wall clock every peer reads. */
const clock: FakeClock = { now: 1_000_000 }
const log = defaultLogger().forComponent('meshcache:test:merge')

/** What pushTo and reconcile (PushComponents) and handleHandoff (ApplyComponents) are given. */
type MergeComponents = PushComponents & ApplyComponents

interface FakePeer {
  c: MergeComponents
  state: RebalanceState
  /** This peer's current idea of the owners of every key (`view.own([...])`). */
  view: FakeView
  announced: Announced[]
}

/** Peers by id; a HANDOFF to a peer not in `down` runs its handler, anything else fails. */
function network (ids: string[], down = new Set<string>()): Map<string, FakePeer> {
  const peers = new Map<string, FakePeer>()
  const now = (): number => clock.now
  for (const id of ids) {
    const view = new FakeView({ members: ids.filter(p => p !== id) })
    const invalidator = new RecordingAnnouncer()
    const requests: Requests = withSingles(async (to, frame) => {
      const target = peers.get(to)
      if (target == null || down.has(to) || frame.op !== Op.HANDOFF) throw new MeshCacheError(ErrorCodes.UNAVAILABLE, `${to} is unreachable`)
      return { ...EMPTY, ...(await handleHandoff(target.c, { ...EMPTY, ...frame })), response: true }
    })
    const c: MergeComponents = {
      self: id,
      store: new Store({ now }),
      near: new NearCache({ ...NEAR_CACHE, now }),
      clock: new HybridClock(now),
      invalidator,
      requests,
      view,
      now,
      settings: { requestTimeoutMs: 5_000 }
    }
    const state: RebalanceState = { transfers: new Map(), handedOff: new Map(), handOffGraceMs: GRACE_MS }
    peers.set(id, { c, state, view, announced: invalidator.items })
  }
  return peers
}

const put = (peer: FakePeer, key: string, value: number, version: bigint): void => {
  peer.c.store.apply(KS, key, { value: new Uint8Array([value]), version, expiresAt: 0 })
}
const held = (peer: FakePeer, key = 'k'): number | undefined => peer.c.store.peek(KS, key)?.value[0]

describe('rebalance: merging after a partition', () => {
  it('a join: the pusher keeps what it no longer owns for the grace period, then the sweep drops it', async () => {
    const peers = network(['x', 'n', 'z'])
    const x = peers.get('x')!
    put(x, 'k', 1, 10n)
    x.view.own(['n', 'z'])
    await pushTo(x.c, x.state, log, 'n')
    expect(held(peers.get('n')!)).toBe(1)
    // A reader that has not heard of n yet still asks x.
    expect(held(x)).toBe(1)
    clock.now += GRACE_MS - 1
    expect(await reconcile(x.c, x.state, log, true)).toBe(false) // still waiting: the sweep runs again
    expect(held(x)).toBe(1)
    clock.now += 1
    expect(await reconcile(x.c, x.state, log, true)).toBe(true)
    expect(held(x)).toBeUndefined()
    expect(held(peers.get('z')!)).toBe(1) // sent on to every owner before the drop
    expect(x.state.handedOff.size).toBe(0)
  })

  it('a key written again after its hand-off is not marked: the sweep sends the newer version on', async () => {
    const peers = network(['x', 'n', 'z'])
    const [x, n] = [peers.get('x')!, peers.get('n')!]
    put(x, 'k', 1, 10n)
    x.view.own(['n', 'z'])
    let pushed!: () => void
    const pushing = new Promise<void>(resolve => { pushed = resolve })
    const call = x.c.requests.call
    x.c.requests.call = async (to, frame) => {
      const reply = await call(to, frame)
      put(x, 'k', 2, 20n) // a writer with an older view reached x while the push was out
      pushed()
      return reply
    }
    await Promise.all([pushTo(x.c, x.state, log, 'n'), pushing])
    expect(held(n)).toBe(1)
    expect(x.state.handedOff.size).toBe(0)
    expect(await reconcile(x.c, x.state, log, true)).toBe(true)
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
    x.view.own(['b3', 'z'])
    await pushTo(x.c, x.state, log, 'b3', true)
    expect(held(b3)).toBe(2)
    expect(held(x)).toBe(2) // a join would have dropped it here, and o1, o2 would keep version 10
    x.view.own(['o1', 'o2'])
    await pushTo(x.c, x.state, log, 'o1', true)
    await pushTo(x.c, x.state, log, 'o2', true)
    expect([held(o1), held(o2)]).toEqual([2, 2])
    // Their readers' copies of version 10 must go: announced as a write.
    expect(o1.announced).toEqual([{ keyspace: KS, key: 'k', version: 20n }])
    expect(o2.announced).toEqual([{ keyspace: KS, key: 'k', version: 20n }])
    expect(b3.announced).toEqual([]) // b3 had no version of k: nothing changed for its readers

    // Once the view holds still, x and b3 hand off what they no longer own, and drop it.
    b3.view.own(['o1', 'o2'])
    expect(await reconcile(x.c, x.state, log)).toBe(true)
    expect(await reconcile(b3.c, b3.state, log)).toBe(true)
    expect([held(x), held(b3), held(o1), held(o2)]).toEqual([undefined, undefined, 2, 2])
  })

  it('the older version never wins, whichever way it is pushed', async () => {
    const peers = network(['a', 'b'])
    const [a, b] = [peers.get('a')!, peers.get('b')!]
    put(a, 'k', 1, 10n)
    put(b, 'k', 2, 20n)
    a.view.own(['a', 'b'])
    b.view.own(['a', 'b'])
    await pushTo(a.c, a.state, log, 'b', true)
    await pushTo(b.c, b.state, log, 'a', true)
    expect([held(a), held(b)]).toEqual([2, 2])
    expect(b.announced).toEqual([])
    expect(a.announced).toEqual([{ keyspace: KS, key: 'k', version: 20n }])
  })

  it('reconcile repairs a co-owner that a failed push left with an older version', async () => {
    const peers = network(['x', 'o1'])
    const [x, o1] = [peers.get('x')!, peers.get('o1')!]
    put(x, 'k', 2, 20n)
    put(o1, 'k', 1, 10n)
    x.view.own(['x', 'o1'])
    expect(await reconcile(x.c, x.state, log)).toBe(true)
    expect([held(x), held(o1)]).toEqual([2, 2])
    expect(o1.announced).toEqual([{ keyspace: KS, key: 'k', version: 20n }])
  })

  it('a key whose owner cannot be reached is kept, and the caller told to try again', async () => {
    const peers = network(['x', 'o1', 'o2'], new Set(['o2']))
    const x = peers.get('x')!
    put(x, 'k', 2, 20n)
    x.view.own(['o1', 'o2'])
    expect(await reconcile(x.c, x.state, log)).toBe(false)
    expect(held(x)).toBe(2)
    expect(held(peers.get('o1')!)).toBe(2)
  })

  it('a key whose owners changed while the sends were out is kept', async () => {
    const peers = network(['x', 'o1', 'o2'])
    const x = peers.get('x')!
    put(x, 'k', 2, 20n)
    x.view.own(['o1', 'o2'])
    const sending = reconcile(x.c, x.state, log)
    x.view.own(['o1', 'x'])
    expect(await sending).toBe(true)
    expect(held(x)).toBe(2)
  })
})
