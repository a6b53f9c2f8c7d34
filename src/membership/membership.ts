import { encodeExact, wireNumber } from '../util/wire.js'
import { topicOf } from '../util/gossip.js'
import { Heartbeat } from './heartbeat.js'
import { checkedMember } from './member.js'
import { heartbeatPeriod } from './period.js'
import type { LeaveReason, Member, Role } from './member.js'
import type { Gossip } from '../util/gossip.js'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export interface MembershipInit {
  mesh: string
  self: { peerId: string, role: Role, weight: number, incarnation: number }
  /** How often this peer says it is alive. */
  heartbeatMs: number
  /** A member silent for this many heartbeats is dead. */
  missedHeartbeats: number
  addrs: () => string[]
  load: () => number
  /** `rejoined`: the member had been declared dead (a partition healed, say), not a newcomer. */
  onJoin: (member: Member, rejoined: boolean) => void
  onLeave: (member: Member, reason: LeaveReason) => void
  /** A known member now advertises other addresses (a tab got its relay reservation, say). */
  onAddrs?: (member: Member) => void
  /** How long a member declared dead is re-dialled. Default 10 minutes. */
  redialForMs?: number
  now?: () => number
}

export interface MembershipComponents {
  gossip: Gossip
  /** libp2p's logger component: Membership logs as `meshcache:membership`. */
  logger: ComponentLogger
  /** Whether a member that went silent, or whose connection closed, still answers. */
  probe: (peerId: string) => Promise<boolean>
  /**
   * Dials a member declared dead, at its last known addresses; resolves
   * whether it answered. Its heartbeats then bring it back. Without it, the
   * dead are forgotten.
   */
  redial?: (member: Member) => Promise<boolean>
}

const MAX_DEPARTED = 10_000
/** A heartbeat due soon (a newcomer's answer, a death found) goes out within this, or the period if shorter. */
const SOON_MS = 500
/** What a removal logs when its caller says no more (a LEAVE request, a peer refused by access/). */
const LEFT_BECAUSE: Record<LeaveReason, string> = { leave: 'it said goodbye', dead: 'declared dead', restart: 'it restarted' }
/** Members declared dead and still being re-dialled, at most (the longest dead go first). */
const MAX_LOST = 1_000
const REDIAL_FOR_MS = 10 * 60_000
/** Deaths one heartbeat tells, at most (the rest go in the next). */
const MAX_DEATHS_TOLD = 32
/** Re-dials back off from one heartbeat period to this many. */
const MAX_REDIAL_BEATS = 30

interface Lost {
  member: Member
  until: number
  next: number
  delay: number
  dialing: boolean
}

export type MemberInfo = Omit<Member, 'lastSeen' | 'keys'> & { keys?: number }

/**
 * The live view of the mesh, kept by gossip heartbeats. A member joins on its
 * first heartbeat (or JOIN request) and leaves on its leaving heartbeat (or
 * LEAVE request). A member silent for `missedHeartbeats` heartbeats, or whose
 * connection closed, is probed directly and declared dead only when the probe
 * fails: gossip on a loaded machine can lag by seconds, and a false death
 * moves keys for nothing (and the extra work makes gossip lag more).
 *
 * A dead member is re-dialled with backoff for a while. Death may be a
 * partition, and once every connection across it has closed, nothing else
 * dials the other side: without this, a healed partition stays two meshes.
 * A member that said goodbye is not re-dialled.
 */
export class Membership {
  private readonly init: MembershipInit
  private readonly components: MembershipComponents
  private readonly log: Logger
  private readonly view = new Map<string, Member>()
  /** Incarnations that said goodbye: their late heartbeats must not resurrect them. */
  private readonly departed = new Map<string, number>()
  private readonly now: () => number
  private readonly topic: string
  private timer?: ReturnType<typeof setInterval>
  private unsubscribe?: () => void
  private beat = 0
  private lastPublished = -Infinity
  /** The period our last heartbeat announced: the next one is due within it, even if the period grew since. */
  private announcedPeriod = Infinity
  /**
   * Until the join has filled the view, its size says nothing of the period
   * to come: heartbeats then announce none (0). When 100 peers started at
   * once, each announced 1 s from a view of one, could not keep it on busy
   * cores, and drew 1 141 probes.
   */
  private provisional = true
  /** A heartbeat due soon for newcomers (announceSoon). */
  private soon?: ReturnType<typeof setTimeout>
  /** When the last early heartbeat for newcomers went out. */
  private lastEarly = -Infinity
  /** Members being probed, so a slow probe is not started twice. */
  private readonly probing = new Set<string>()
  private readonly lost = new Map<string, Lost>()
  /** Deaths this peer found itself, for its next heartbeat to tell (peer id → incarnation). */
  private readonly deaths = new Map<string, number>()
  private notice?: ReturnType<typeof setTimeout>

  constructor (components: MembershipComponents, init: MembershipInit) {
    this.components = components
    this.log = components.logger.forComponent('meshcache:membership')
    this.init = init
    this.now = init.now ?? Date.now
    this.topic = topicOf(init.mesh, 'members/1')
  }

  get self (): Member {
    const { self } = this.init
    return { ...self, addrs: this.init.addrs(), lastSeen: this.now(), keys: this.init.load() }
  }

  start (): void {
    this.unsubscribe = this.components.gossip.subscribe(this.topic, (data, from, via) => { this.onHeartbeat(data, from, via) })
    this.timer = setInterval(() => { this.tick() }, this.init.heartbeatMs)
    const { self } = this.init
    this.log('started as %s (%s, weight %d, incarnation %d): a heartbeat every %d ms, dead after %d missed',
      self.peerId, self.role, self.weight, self.incarnation, this.init.heartbeatMs, this.init.missedHeartbeats)
    this.announce()
  }

  /** Says goodbye on gossip and stops watching. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    clearTimeout(this.soon)
    clearTimeout(this.notice)
    this.log('stopping: saying goodbye to %d members', this.view.size)
    await this.publish(true).catch((err: Error) => { this.log.error('the goodbye heartbeat failed: %e', err) })
    this.unsubscribe?.()
    this.view.clear()
    this.lost.clear()
  }

  /** Every member but this peer. */
  members (): Member[] {
    return [...this.view.values()]
  }

  get (peerId: string): Member | undefined {
    return peerId === this.init.self.peerId ? this.self : this.view.get(peerId)
  }

  has (peerId: string): boolean {
    return this.view.has(peerId)
  }

  /** The join is done: the view is filled, and heartbeats announce their period from now on. */
  joined (): void {
    this.provisional = false
    this.announce()
  }

  /** Publishes a heartbeat now rather than at the next tick. */
  announce (): void {
    this.publish(false).catch((err: Error) => { this.log.error('a heartbeat failed to go out: %e', err) })
  }

  /**
   * Adds or refreshes a member; returns true when it is new to the view.
   * `vouched`: another peer names it (a JOIN answer, a view swap), where a
   * heartbeat is the member's own word. A member this peer declared dead is
   * not brought back on another's word: that word may predate the death (a
   * view swapped moments before it), and every peer it reached would then
   * keep a dead member until its heartbeats were missed again. Its own
   * heartbeat, or an answer to the re-dial, brings it back.
   */
  upsert (info: MemberInfo, vouched = false): boolean {
    if (info.peerId === this.init.self.peerId) return false
    const gone = this.departed.get(info.peerId)
    if (gone != null && info.incarnation <= gone) {
      this.log.trace('ignored %s: incarnation %d said goodbye', info.peerId, info.incarnation)
      return false
    }
    if (vouched && (this.lost.get(info.peerId)?.member.incarnation ?? -1) >= info.incarnation) {
      this.log.trace('ignored %s named by another peer: incarnation %d was declared dead here', info.peerId, info.incarnation)
      return false
    }
    const known = this.view.get(info.peerId)
    if (known != null && info.incarnation < known.incarnation) {
      this.log.trace('ignored %s: incarnation %d is older than %d', info.peerId, info.incarnation, known.incarnation)
      return false
    }
    if (known != null && info.incarnation > known.incarnation) this.remove(info.peerId, 'restart', `new incarnation ${info.incarnation} (was ${known.incarnation})`)
    const previous = this.view.get(info.peerId)
    // A tab between relay reservations announces no address at all; its last
    // ones stay the best hint (it re-reserves on the same relay), where none
    // would leave peers without a connection to it nothing to dial.
    const addrs = info.addrs.length === 0 && previous != null ? previous.addrs : info.addrs
    const member: Member = { keys: 0, ...info, addrs, lastSeen: this.now() }
    this.view.set(info.peerId, member)
    const rejoined = this.lost.delete(info.peerId)
    if (previous == null) {
      this.log('joined: %s (%s, weight %d, incarnation %d)%s', member.peerId, member.role, member.weight, member.incarnation,
        rejoined ? ', rejoined after it was declared dead' : '')
      this.init.onJoin(member, rejoined)
    } else if (previous.addrs.join() !== member.addrs.join()) {
      this.log('%s now announces %d address(es): %s', member.peerId, member.addrs.length, member.addrs.join(' '))
      this.init.onAddrs?.(member)
    }
    return previous == null
  }

  /** Requests from a member prove it is alive as well as a heartbeat does. */
  touch (peerId: string): void {
    const member = this.view.get(peerId)
    if (member != null) member.lastSeen = this.now()
  }

  /** `why` says what led to it, for the log (a LEAVE request, say, when absent). */
  remove (peerId: string, reason: LeaveReason, why?: string): void {
    const member = this.view.get(peerId)
    if (member == null) return
    this.view.delete(peerId)
    this.log('left: %s (%s, incarnation %d): %s', peerId, reason, member.incarnation, why ?? LEFT_BECAUSE[reason])
    if (reason === 'leave') this.depart(peerId, member.incarnation)
    if (reason === 'dead') this.lose(member)
    this.init.onLeave(member, reason)
  }

  /** A connection to the peer closed: if it cannot be reached again, it is dead now. */
  connectionClosed (peerId: string): void {
    this.suspect(peerId, 'its connection closed')
  }

  /**
   * Probes a member; it is dead when the probe fails, alive (touched) when it
   * answers. A probe can time out behind a busy peer's queue while the peer
   * still answers other requests or heartbeats: anything heard from it
   * meanwhile counts as an answer.
   */
  private suspect (peerId: string, cause: string, told = false): void {
    const member = this.view.get(peerId)
    if (member == null || this.probing.has(peerId)) return
    this.probing.add(peerId)
    this.log('probing %s: %s', peerId, cause)
    const seen = member.lastSeen
    const verdict = (alive: boolean): void => {
      this.probing.delete(peerId)
      // The member may have left, or restarted, while the probe was out.
      if (this.view.get(peerId) !== member) return
      if (alive) {
        this.log('%s answered the probe: alive', peerId)
        this.touch(peerId)
      } else if (member.lastSeen === seen) {
        this.remove(peerId, 'dead', `${cause} and the probe failed`)
        if (!told) this.tellDeath(member)
      } else {
        this.log('%s failed the probe but was heard from meanwhile: alive', peerId)
      }
    }
    this.components.probe(peerId).then(verdict, (err: Error) => {
      this.log.trace('probing %s threw: %e', peerId, err)
      verdict(false)
    })
  }

  /**
   * Only the few members connected to a crashed peer see its connection
   * close; the rest would wait missedHeartbeats of a period that grows with
   * the mesh. So a death this peer found goes out in a heartbeat soon, and
   * every receiver probes the peer itself: a notice is a reason to check,
   * never a verdict, since anyone could send one. Of the several members that
   * find one death, the first to tell it spares the others (the jitter).
   */
  private tellDeath (member: Member): void {
    this.deaths.set(member.peerId, member.incarnation)
    if (this.notice != null) return
    this.notice = setTimeout(() => {
      this.notice = undefined
      if (this.deaths.size > 0) this.announce()
    }, this.soonMs())
  }

  /** Jittered, so that the several peers with the same news do not all send it at once. */
  private soonMs (): number {
    return Math.random() * Math.min(this.period(), SOON_MS)
  }

  /** Members this peer declared dead and re-dials, each at the incarnation that died. */
  lostMembers (): Array<{ peerId: string, incarnation: number }> {
    return [...this.lost.values()].map(({ member }) => ({ peerId: member.peerId, incarnation: member.incarnation }))
  }

  /**
   * Another peer found these members dead (a death notice, or the dead list
   * of a JOIN answer): each one this peer has at that incarnation, and has
   * not heard from itself just now, is probed. A newcomer learns the view
   * from peers that may have seen a member die after they answered, or did
   * not yet; without this it kept a dead member until its heartbeats were
   * missed, ~10 s in the churn test.
   */
  reportedDead (dead: Array<{ peerId: string, incarnation: bigint }>, from: string): void {
    for (const { peerId, incarnation } of dead) {
      const told = wireNumber(incarnation)
      if (this.deaths.get(peerId) === told) this.deaths.delete(peerId)
      const member = this.view.get(peerId)
      if (member?.incarnation !== told) continue
      // Heard from just now: a notice from a peer that timed out on it is no reason to add to its load.
      if (this.now() - member.lastSeen < this.init.heartbeatMs) continue
      this.suspect(peerId, `${from} declared it dead`, true)
    }
  }

  /** Members declared dead, being re-dialled (introspection for tests). */
  redialing (): string[] {
    return [...this.lost.keys()]
  }

  private lose (member: Member): void {
    if (this.components.redial == null) return
    this.lost.delete(member.peerId)
    if (this.lost.size >= MAX_LOST) this.lost.delete(this.lost.keys().next().value as string)
    const now = this.now()
    const delay = this.init.heartbeatMs
    const redialFor = this.init.redialForMs ?? REDIAL_FOR_MS
    this.lost.set(member.peerId, { member, until: now + redialFor, next: now + delay, delay, dialing: false })
    this.log('re-dialling %s for up to %d s', member.peerId, Math.round(redialFor / 1000))
  }

  /** One dial per due member; each failure doubles its wait, up to MAX_REDIAL_BEATS heartbeats. */
  private redialLost (): void {
    const redial = this.components.redial
    if (redial == null) return
    const now = this.now()
    for (const [peerId, lost] of [...this.lost]) {
      if (now >= lost.until) {
        this.log('gave up re-dialling %s', peerId)
        this.lost.delete(peerId)
        continue
      }
      if (lost.dialing || now < lost.next) continue
      lost.dialing = true
      this.log('re-dialling %s at %s', peerId, lost.member.addrs.join(' '))
      const done = (): void => {
        lost.dialing = false
        lost.delay = Math.min(lost.delay * 2, this.init.heartbeatMs * MAX_REDIAL_BEATS)
        lost.next = this.now() + lost.delay
      }
      redial(lost.member).then(answered => {
        this.log('re-dial of %s: %s', peerId, answered ? 'it answered' : 'no answer')
        done()
      }, (err: Error) => {
        this.log('re-dial of %s failed: %s', peerId, err.message)
        done()
      })
    }
  }

  private depart (peerId: string, incarnation: number): void {
    if ((this.lost.get(peerId)?.member.incarnation ?? Infinity) <= incarnation) this.lost.delete(peerId)
    if ((this.departed.get(peerId) ?? -1) >= incarnation) return
    this.departed.delete(peerId)
    // Bounded: the oldest goodbyes go first (Map keeps insertion order).
    if (this.departed.size >= MAX_DEPARTED) this.departed.delete(this.departed.keys().next().value as string)
    this.departed.set(peerId, incarnation)
  }

  /** This peer's heartbeat period now (period.ts). */
  period (): number {
    return heartbeatPeriod(this.init.heartbeatMs, this.view.size + 1)
  }

  private tick (): void {
    const now = this.now()
    const ours = this.period()
    if (now - this.lastPublished >= Math.min(ours, this.announcedPeriod) - this.init.heartbeatMs / 2) this.announce()
    // A member known only from a JOIN has not said its period yet. Ours is no
    // guide while this view is still filling (100 peers started at once: our
    // view of 20 beats every 10 s, the members of 80 every 40 s, and probes of
    // the "silent" ones flooded the start); the longest period any member
    // announced is.
    let longest = ours
    for (const member of this.view.values()) longest = Math.max(longest, member.periodMs ?? 0)
    for (const member of [...this.view.values()]) {
      const period = Math.max(this.init.heartbeatMs, member.periodMs ?? longest)
      if (now - member.lastSeen > period * this.init.missedHeartbeats) {
        this.suspect(member.peerId, `silent for ${Math.floor((now - member.lastSeen) / period)} heartbeats of ${period} ms`)
      }
    }
    this.redialLost()
  }

  /**
   * A newcomer hears from this peer soon rather than a whole period later,
   * but at most once a period: newcomers arriving over a while (a deploy
   * starting every instance) share one early heartbeat. At one per 500 ms,
   * 100 peers starting at once each beat twice a second for as long as the
   * start lasted (~100 s), ~20 000 copies a second; newcomers learn the view
   * from their seed and JOIN every member in it, so only those that joined
   * elsewhere meanwhile wait for it.
   */
  private announceSoon (): void {
    if (this.soon != null || this.now() - this.lastEarly < this.period()) return
    this.lastEarly = this.now()
    this.soon = setTimeout(() => {
      this.soon = undefined
      this.announce()
    }, this.soonMs())
  }

  private async publish (leaving: boolean): Promise<void> {
    this.lastPublished = this.now()
    const { self } = this.init
    if (!this.provisional) this.announcedPeriod = this.period()
    const dead = [...this.deaths].slice(0, MAX_DEATHS_TOLD).map(([peerId, incarnation]) => ({ peerId, incarnation: BigInt(incarnation) }))
    for (const { peerId } of dead) this.deaths.delete(peerId)
    await this.components.gossip.publish(this.topic, encodeExact(Heartbeat.codec(), {
      role: self.role,
      weight: self.weight,
      incarnation: BigInt(self.incarnation),
      beat: BigInt(++this.beat),
      addrs: this.init.addrs(),
      leaving,
      keys: BigInt(this.init.load()),
      periodMs: this.provisional ? 0 : this.announcedPeriod,
      dead
    }))
  }

  private onHeartbeat (data: Uint8Array, from: string, via: string): void {
    let beat: Heartbeat
    try {
      beat = Heartbeat.decode(data, { limits: { addrs: 64, dead: MAX_DEATHS_TOLD } })
    } catch (err) {
      // A malformed heartbeat is ignored, never fatal.
      this.log('ignored a malformed heartbeat from %s: %s', from, (err as Error).message)
      return
    }
    if (checkedMember({ peerId: from, role: beat.role, weight: beat.weight }) == null) {
      this.log('ignored a heartbeat from %s: role %s, weight %d', from, JSON.stringify(beat.role), beat.weight)
      return
    }
    this.log.trace('heartbeat %s from %s%s', String(beat.beat), from, beat.leaving ? ' (leaving)' : '')
    const incarnation = wireNumber(beat.incarnation)
    if (beat.leaving && via !== from) {
      // Gossip names its origin without a signature: a goodbye handed on by
      // another peer could be anyone's forgery (with no mesh secret, anyone's
      // at all), and would keep this incarnation out. Only the leaver's own
      // word counts (floodPublish hands it to every peer it is connected to);
      // a forwarded one is a reason to check.
      this.suspect(from, `a goodbye forwarded by ${via}`)
      return
    }
    if (beat.leaving) {
      // Remember the goodbye even when the member already left the view (declared
      // dead first): a delayed heartbeat of that incarnation must not bring it back.
      this.depart(from, incarnation)
      if (this.view.get(from)?.incarnation === incarnation) this.remove(from, 'leave', 'its leaving heartbeat')
      return
    }
    this.reportedDead(beat.dead, from)
    const periodMs = beat.periodMs > 0 ? beat.periodMs : undefined
    const isNew = this.upsert({ peerId: from, role: beat.role as Role, weight: beat.weight, incarnation, addrs: beat.addrs, keys: Number(beat.keys), periodMs })
    if (isNew) this.announceSoon()
  }
}
