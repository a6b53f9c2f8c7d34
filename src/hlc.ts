/**
 * Hybrid logical clock (Kulkarni et al.): stamps that follow wall-clock time
 * but never go backwards and always exceed every stamp this peer has seen.
 * A stamp is one bigint: milliseconds << 16 | a 16-bit counter, so stamps
 * compare with `<` and travel as a protobuf uint64.
 */
const COUNTER_BITS = 16n
const COUNTER_MASK = (1n << COUNTER_BITS) - 1n

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

  /** Folds in a stamp from a peer so later local stamps order after it. */
  observe (stamp: bigint): void {
    if (stamp > this.last) this.last = stamp
  }
}

export function stampMillis (stamp: bigint): number {
  return Number(stamp >> COUNTER_BITS)
}

export function stampCounter (stamp: bigint): number {
  return Number(stamp & COUNTER_MASK)
}
