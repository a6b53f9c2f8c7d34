/**
 * A map that remembers at least the `max` keys written last, in two
 * generations of plain Maps: when the current one fills it becomes the old
 * one, and the old one goes. What lru-cache gives, for what these maps ask of
 * it (the newest value per key, the recent keys only), at a third of its cost
 * per write: an owner remembers a version for every write it applies.
 */
export class RecentMap<K, V> {
  private readonly max: number
  private current = new Map<K, V>()
  private previous = new Map<K, V>()

  constructor (max: number) {
    this.max = max
  }

  get (key: K): V | undefined {
    return this.current.get(key) ?? this.previous.get(key)
  }

  set (key: K, value: V): void {
    if (this.current.size >= this.max) {
      this.previous = this.current
      this.current = new Map()
    }
    this.current.set(key, value)
  }

  clear (): void {
    this.current.clear()
    this.previous.clear()
  }
}
