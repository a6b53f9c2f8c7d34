/**
 * Which event types an EventTarget has listeners for, so a hot path can skip
 * building events no one hears (an `invalidate` per item heard, on every
 * peer). Conservative: a listener that may leave on its own (`once`, an abort
 * `signal`) counts as listening for good.
 */
export class ListenedTypes {
  private readonly listeners = new Map<string, Set<unknown>>()
  private readonly forGood = new Set<string>()

  added (type: string, listener: unknown, options?: boolean | AddEventListenerOptions): void {
    if (listener == null) return
    if (typeof options === 'object' && (options.once === true || options.signal != null)) {
      this.forGood.add(type)
      return
    }
    let set = this.listeners.get(type)
    if (set == null) {
      set = new Set()
      this.listeners.set(type, set)
    }
    set.add(listener)
  }

  removed (type: string, listener: unknown): void {
    this.listeners.get(type)?.delete(listener)
  }

  has (type: string): boolean {
    return this.forGood.has(type) || (this.listeners.get(type)?.size ?? 0) > 0
  }
}
