import { Op } from '../protocol/frame.js'
import { handleHandoff } from './handoff.js'
import { SYNC_AFTER_MS, handleJoin, handleLeave, join, syncView } from './join.js'
import { handOffAll, pushTo, reReplicate } from './push.js'
import { reconcile } from './reconcile.js'
import type { RebalanceComponents, RebalanceState } from './components.js'
import type { LeaveReason, Member } from '../membership/member.js'
import type { Ring } from '../ownership/index.js'
import type { OpHandler } from '../protocol/rpc.js'
import type { Logger } from '@libp2p/interface'

export type { RebalanceComponents, RebalanceState } from './components.js'

export interface RebalanceInit {
  heartbeatMs: number
  missedHeartbeats: number
}

/** After a merge, the view must hold still this many heartbeats before the replicas are reconciled. */
const MERGE_SETTLE_BEATS = 10
const RECONCILE_ATTEMPTS = 3
const STRAY_SWEEP_BEATS = 4

/*
 * Keys follow ownership. Four moments move them:
 * - a join: the newcomer sends JOIN to its seed and a few members, and the
 *   rest hear of it by gossip; each pushes it the keys it now owns, and drops
 *   those it no longer owns a grace period later;
 * - a graceful stop: the leaver pushes its keys to their next owners;
 * - a crash: for each key the dead peer owned, the first surviving owner
 *   copies it to whichever peer became an owner in its place;
 * - a merge (a member declared dead is back: a healed partition): as a join,
 *   but each side wrote on its own meanwhile, so replicas differ; the newer
 *   version wins wherever it lands, and nothing is dropped until the view
 *   has settled (reconcile.ts).
 */
export class Rebalance {
  private readonly c: RebalanceComponents
  private readonly init: RebalanceInit
  private readonly log: Logger
  private readonly state: RebalanceState
  private running = false
  private reconcileTimer?: ReturnType<typeof setTimeout>
  private straysTimer?: ReturnType<typeof setInterval>
  private readonly syncTimers: Array<ReturnType<typeof setTimeout>> = []
  /** The view changed since strays were last sent to their owners. */
  private straysDirty = false
  /** A partition healed and this peer's keys have not all gone to their owners yet (reconcileLater). */
  private merging = false

  constructor (components: RebalanceComponents, init: RebalanceInit) {
    this.c = components
    this.init = init
    this.log = components.logger.forComponent('meshcache:rebalance')
    this.state = { transfers: new Map(), handedOff: new Map(), handOffGraceMs: init.heartbeatMs * init.missedHeartbeats }
  }

  /** JOIN, HANDOFF and LEAVE, for the op → handler table. */
  handlers (): Array<[Op, OpHandler]> {
    return [
      // A known member's keys may still be on their way (pushed when its heartbeat came first): the answer waits for them.
      [Op.JOIN, async (frame, peer) => handleJoin(this.c, frame, peer, async (to, isNew) => isNew ? this.push(to) : this.state.transfers.get(to))],
      // Keys arriving: misses here are not final until they have all come (a crash's copies, a join's push).
      [Op.HANDOFF, async frame => { this.c.view.disturbed(); return handleHandoff(this.c, frame) }],
      [Op.LEAVE, async (_frame, peer) => handleLeave(this.c, peer)]
    ]
  }

  /** Joins the mesh through the seeds; resolves with how many members let this peer in. */
  async join (seeds: string[]): Promise<number> {
    return join(this.c, this.log, seeds)
  }

  /**
   * Once joined: keys left with a peer that no longer owns them (a push that
   * failed, or kept after a hand-off) go on to their owners every few
   * heartbeats after a view change, until none fail or wait. `restored`: the
   * store was loaded from disk, so its replicas may differ from the mesh's as
   * after a partition (each peer wrote to disk on its own): a join only
   * brings this peer the mesh's newer versions, so its own newer ones, and
   * the keys it no longer owns, go to their owners as after a merge.
   */
  start (restored = false): void {
    this.running = true
    if (restored) this.reconcileLater()
    for (const ms of SYNC_AFTER_MS) {
      this.syncTimers.push(setTimeout(() => { if (this.running) void syncView(this.c, this.log) }, ms))
    }
    this.straysTimer = setInterval(() => {
      if (!(this.straysDirty || this.state.handedOff.size > 0) || !this.running) return
      this.straysDirty = false
      reconcile(this.c, this.state, this.log, true).then(done => { if (!done) this.straysDirty = true }, (err: Error) => {
        this.log.error('the stray sweep failed: %e', err)
        this.straysDirty = true
      })
    }, this.init.heartbeatMs * STRAY_SWEEP_BEATS)
  }

  /** Graceful: hands every key to the owners it will have without this peer, and says goodbye. */
  async stop (): Promise<void> {
    const wasRunning = this.running
    this.running = false
    clearTimeout(this.reconcileTimer)
    clearInterval(this.straysTimer)
    for (const timer of this.syncTimers.splice(0)) clearTimeout(timer)
    if (!wasRunning) return
    const { membership, ownership, requests, self } = this.c
    const without = ownership.ring([membership.self, ...membership.members()], self)
    const sent = await handOffAll(this.c, this.log, without).catch((err: Error) => {
      this.log.error('the hand-off failed: %e', err)
      return new Map<string, bigint>()
    })
    await Promise.all(membership.members().map(async m => requests.call(m.peerId, { op: Op.LEAVE }, 1_000).catch((err: Error) => {
      this.log('%s did not hear the goodbye: %s', m.peerId, err.message)
    })))
    // Writes from peers that did not know yet that this one was leaving.
    await handOffAll(this.c, this.log, without, sent).catch((err: Error) => { this.log.error('the second hand-off failed: %e', err) })
  }

  /** A member joined (`rejoined`: it had been declared dead, a healed partition): it gets the keys it now owns. */
  joined (member: Member, rejoined: boolean): void {
    this.straysDirty = true
    if (member.role === 'owner' && this.running) {
      pushTo(this.c, this.state, this.log, member.peerId, rejoined).catch((err: Error) => { this.log.error('the push to %s failed: %e', member.peerId, err) })
    }
    if (rejoined) this.reconcileLater()
  }

  /**
   * A member left; `before` is the ring it was still on. A crashed one could
   * not hand its keys off, and a graceful one may not have finished (a tab's
   * page gone mid-push, a push that failed before its LEAVE went out): either
   * way the survivors copy what it owned to the owners that replace it. A
   * copy of what did arrive is applied as the same version, a no-op. Reads in
   * a stable view ask one owner, so an owner left without its keys would
   * miss them for good.
   */
  left (member: Member, reason: LeaveReason, before: Ring): void {
    this.straysDirty = true
    if (reason !== 'restart' && member.role === 'owner' && this.running) {
      reReplicate(this.c, this.log, before, this.c.ownership.current, member.peerId).catch((err: Error) => {
        this.log.error('re-replicating the keys of %s failed: %e', member.peerId, err)
      })
    }
  }

  /** Keys are on their way: a push in flight, or a merge not reconciled yet. */
  settling (): boolean {
    return this.state.transfers.size > 0 || this.merging
  }

  /** Resolves once no push is in flight. */
  async settled (): Promise<void> {
    await Promise.allSettled([...this.state.transfers.values()])
  }

  private async push (peer: string): Promise<void> {
    return pushTo(this.c, this.state, this.log, peer)
  }

  /**
   * The pushes of a merge go out while the view is still filling, and may
   * fail; once no member has come back for a while, this peer's keys go to
   * all their owners (reconcile). Each rejoin restarts the wait; a failed
   * send, a few more times.
   */
  private reconcileLater (attempt = 1): void {
    clearTimeout(this.reconcileTimer)
    this.merging = true
    this.reconcileTimer = setTimeout(() => {
      if (!this.running) return
      reconcile(this.c, this.state, this.log).then(done => {
        if (!done && attempt < RECONCILE_ATTEMPTS) this.reconcileLater(attempt + 1)
        else this.merging = false
      }, (err: Error) => {
        this.merging = false
        this.log.error('reconciling after a merge failed: %e', err)
      })
    }, this.init.heartbeatMs * MERGE_SETTLE_BEATS)
  }
}
