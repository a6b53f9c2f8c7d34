/**
 * A token bucket per peer: `perSecond` tokens a second, up to `burstSeconds`
 * worth saved up, so a legitimate burst (a large setMany applied at once)
 * passes while a sustained flood does not.
 */
export interface RateInit {
  perSecond: number
  burstSeconds?: number
  /** Peers tracked at most; the oldest bucket goes first. */
  maxPeers?: number
  now?: () => number
}

interface Bucket {
  tokens: number
  at: number
}

export class PeerRate {
  private readonly buckets = new Map<string, Bucket>()
  private readonly perMs: number
  private readonly capacity: number
  private readonly maxPeers: number
  private readonly now: () => number

  constructor (init: RateInit) {
    this.perMs = init.perSecond / 1000
    this.capacity = init.perSecond * (init.burstSeconds ?? 2)
    this.maxPeers = init.maxPeers ?? 10_000
    this.now = init.now ?? Date.now
  }

  /** Takes `count` tokens from the peer's bucket; false (and nothing taken) when it has too few. */
  take (peer: string, count: number): boolean {
    const now = this.now()
    let bucket = this.buckets.get(peer)
    if (bucket == null) {
      if (this.buckets.size >= this.maxPeers) this.buckets.delete(this.buckets.keys().next().value as string)
      bucket = { tokens: this.capacity, at: now }
      this.buckets.set(peer, bucket)
    } else {
      bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.perMs)
      bucket.at = now
    }
    if (bucket.tokens < count) return false
    bucket.tokens -= count
    return true
  }

  forget (peer: string): void {
    this.buckets.delete(peer)
  }
}
