import { ErrorCodes, MeshCacheError } from '../errors.js'

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
  timer: ReturnType<typeof setTimeout>
}

interface PeerQueue {
  used: number
  waiters: Waiter[]
}

/**
 * Requests in flight to each peer, at most `max`; the rest wait their turn in
 * order. A peer treats more than `max` from us as misbehaviour, so a slot is
 * held until the peer has answered (or the stream closed), even past our own
 * timeout: it frees exactly when the peer's count drops.
 */
export class PeerSlots {
  private readonly max: number
  private readonly peers = new Map<string, PeerQueue>()

  constructor (max: number) {
    this.max = max
  }

  /** Takes a slot when one is free now. */
  tryAcquire (peer: string): boolean {
    const queue = this.peers.get(peer)
    if (queue == null) {
      this.peers.set(peer, { used: 1, waiters: [] })
      return true
    }
    if (queue.used >= this.max || queue.waiters.length > 0) return false
    queue.used++
    return true
  }

  /** Waits for a slot, in order; rejects with ERR_TIMEOUT after `timeoutMs`. */
  async acquire (peer: string, timeoutMs: number): Promise<void> {
    if (this.tryAcquire(peer)) return
    const queue = this.peers.get(peer)!
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          queue.waiters.splice(queue.waiters.indexOf(waiter), 1)
          reject(new MeshCacheError(ErrorCodes.TIMEOUT, `${this.max} requests to ${peer} were still in flight after ${timeoutMs} ms`))
        }, timeoutMs)
      }
      queue.waiters.push(waiter)
    })
  }

  /** Frees a slot, handing it straight to the next waiter. */
  release (peer: string): void {
    const queue = this.peers.get(peer)
    if (queue == null) return
    const next = queue.waiters.shift()
    if (next != null) {
      clearTimeout(next.timer)
      next.resolve()
      return
    }
    if (--queue.used <= 0) this.peers.delete(peer)
  }

  inUse (peer: string): number {
    return this.peers.get(peer)?.used ?? 0
  }

  /** Rejects every waiter (the cache is stopping). */
  clear (err: Error): void {
    for (const queue of this.peers.values()) {
      for (const waiter of queue.waiters.splice(0)) {
        clearTimeout(waiter.timer)
        waiter.reject(err)
      }
    }
    this.peers.clear()
  }
}
