/** At most this old while the event loop turns. */
const RESOLUTION_MS = 1
/** At most this many reads of one reading, so that a loop that never yields to timers still sees time pass. */
const MAX_READS = 1024

/**
 * Date.now() for hot paths that only compare against deadlines: a local or
 * near hit checks an expiry, and Date.now() cost ~45 ns here, more than the
 * rest of the hit. The reading is reused until a timer clears it (after
 * RESOLUTION_MS) or for MAX_READS calls, whichever comes first; lru-cache's
 * ttlResolution does the same. Any other clock (a test's) is returned as it
 * is, and asked every time.
 */
export function coarseClock (now: () => number): () => number {
  if (now !== Date.now) return now
  let reading = 0
  let reads = 0
  let timer = false
  const clear = (): void => {
    reading = 0
    timer = false
  }
  return () => {
    if (reading !== 0 && ++reads < MAX_READS) return reading
    reads = 0
    reading = Date.now()
    if (!timer) {
      timer = true
      const t = setTimeout(clear, RESOLUTION_MS) as unknown as { unref?: () => void }
      // In Node, a pending clear does not keep the process alive.
      t.unref?.()
    }
    return reading
  }
}
