import { Store, type StoreInit, type StoredEntry } from '../../../src/store/index.js'

/** A clock that only moves when told to. */
export class FakeClock {
  constructor (public t = 1_700_000_000_000) {}
  now = (): number => this.t
  advance (ms: number): void { this.t += ms }
}

export function setup (init: StoreInit = {}): { store: Store, clock: FakeClock } {
  const clock = new FakeClock()
  return { store: new Store({ now: clock.now, ...init }), clock }
}

/** An entry of `bytes` value bytes, every byte set to `fill` so tests can tell values apart. */
export function entry (version: number | bigint, opts: { bytes?: number, fill?: number, expiresAt?: number } = {}): StoredEntry {
  return {
    value: new Uint8Array(opts.bytes ?? 4).fill(opts.fill ?? Number(BigInt(version) % 256n)),
    version: BigInt(version),
    expiresAt: opts.expiresAt ?? 0
  }
}

/** Budget cost of a key of `keyChars` UTF-16 code units holding `bytes` value bytes. */
export const cost = (keyChars: number, bytes: number): number => bytes + keyChars * 2 + 64
