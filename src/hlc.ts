/**
 * Hybrid logical clock (Kulkarni et al.): stamps that follow wall-clock time
 * but never go backwards and always exceed every stamp this peer has seen.
 * A stamp is one bigint: milliseconds << 16 | a 16-bit counter, so stamps
 * compare with `<` and travel as a protobuf uint64.
 */
const COUNTER_BITS = 16n
const COUNTER_MASK = (1n << COUNTER_BITS) - 1n
/**
 * The largest stamp observe() folds in (its milliseconds fall in year 6429).
 * Stamps come from peers as any uint64: one near 2^64 would push every later
 * tick() past what the wire carries, where protons wraps it to a small number
 * and the write loses to everything. No real clock runs this far ahead, and the
 * 2^63 stamps left above it keep tick() in range for good.
 */
const MAX_OBSERVED = 1n << 63n

export class HybridClock {
  private last = 0n
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
  }

  /** A stamp for a local event, greater than any stamp issued or observed. */
  tick (): bigint {
    const physical = BigInt(this.now()) << COUNTER_BITS
    this.last = physical > this.last ? physical : this.last + 1n
    return this.last
  }

  /** Folds in a stamp from a peer so later local stamps order after it (unless it is past MAX_OBSERVED). */
  observe (stamp: bigint): void {
    if (stamp > this.last && stamp <= MAX_OBSERVED) this.last = stamp
  }
}

export function stampMillis (stamp: bigint): number {
  return Number(stamp >> COUNTER_BITS)
}

export function stampCounter (stamp: bigint): number {
  return Number(stamp & COUNTER_MASK)
}
