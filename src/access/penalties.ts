/**
 * Points against peers that broke the rules. Points decay by half every
 * `halfLifeMs`, so a peer that misbehaved once is forgiven; reaching `banAt`
 * bans the peer for `banMs` (every later offence while banned extends it).
 * The gossip score and the connection gater both read from here.
 */
export interface PenaltiesInit {
  halfLifeMs?: number
  banAt?: number
  banMs?: number
  /** Peers remembered at most; the oldest record goes first. */
  maxPeers?: number
  now?: () => number
}

/** Points per offence: failing the handshake bans at once; three frame offences in a row do. */
export const Offence = {
  HANDSHAKE: 100,
  MISBEHAVIOUR: 40
} as const

interface Record {
  points: number
  at: number
  bannedUntil: number
}

export class Penalties {
  private readonly records = new Map<string, Record>()
  private readonly halfLifeMs: number
  private readonly banAt: number
  private readonly banMs: number
  private readonly maxPeers: number
  private readonly now: () => number

  constructor (init: PenaltiesInit = {}) {
    this.halfLifeMs = init.halfLifeMs ?? 60_000
    this.banAt = init.banAt ?? 100
    this.banMs = init.banMs ?? 60_000
    this.maxPeers = init.maxPeers ?? 10_000
    this.now = init.now ?? Date.now
  }

  /** Adds points; returns true when the peer is banned now. */
  add (peer: string, points: number): boolean {
    const now = this.now()
    const record = this.records.get(peer) ?? { points: 0, at: now, bannedUntil: 0 }
    record.points = this.decayed(record, now) + points
    record.at = now
    if (record.points >= this.banAt) record.bannedUntil = now + this.banMs
    // Re-inserted last, so the Map's order is the eviction order.
    this.records.delete(peer)
    if (this.records.size >= this.maxPeers) this.records.delete(this.records.keys().next().value as string)
    this.records.set(peer, record)
    return record.bannedUntil > now
  }

  /** Current points (0 for a peer with a clean record). */
  points (peer: string): number {
    const record = this.records.get(peer)
    if (record == null) return 0
    const now = this.now()
    const points = this.decayed(record, now)
    if (points < 1 && record.bannedUntil <= now) {
      this.records.delete(peer)
      return 0
    }
    return points
  }

  banned (peer: string): boolean {
    const record = this.records.get(peer)
    return record != null && record.bannedUntil > this.now()
  }

  /** Peers with points now, and how many of them are banned. */
  counts (): { penalized: number, banned: number } {
    let penalized = 0
    let banned = 0
    for (const peer of [...this.records.keys()]) {
      if (this.points(peer) > 0) penalized++
      if (this.banned(peer)) banned++
    }
    return { penalized, banned }
  }

  private decayed (record: Record, now: number): number {
    return record.points * Math.pow(0.5, Math.max(0, now - record.at) / this.halfLifeMs)
  }
}
