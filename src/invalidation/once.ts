import { RecentMap } from '../util/recent.js'

const MAX_REMEMBERED = 10_000

/**
 * Every owner of a key announces the same write: listeners of the cache's
 * `invalidate` event hear of each version once.
 */
export class OncePerVersion {
  private readonly last = new RecentMap<string, bigint>(MAX_REMEMBERED)

  /** True the first time a version (or a newer one than any before) of `id` is seen. */
  first (id: string, version: bigint): boolean {
    const last = this.last.get(id)
    if (last != null && last >= version) return false
    this.last.set(id, version)
    return true
  }
}
