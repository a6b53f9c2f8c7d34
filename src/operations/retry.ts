import { ErrorCodes, MeshCacheError } from '../errors.js'
import type { Settings } from './components.js'

/** The pause before the second attempt, and before the third. */
export const RETRY_PAUSES_MS = [100, 1_000]

export interface RetryComponents {
  now: () => number
  settings: Pick<Settings, 'requestTimeoutMs'>
}

/** A failure a new connection, or the same one a moment later, may cure. */
function retriable (err: unknown): boolean {
  return err instanceof MeshCacheError && (err.code === ErrorCodes.UNAVAILABLE || err.code === ErrorCodes.TIMEOUT)
}

/**
 * Runs `attempt` until it succeeds, at most three times. A retriable failure
 * is tried again after a pause while `worthIt()` holds (the owner is still a
 * member, say): the second time always, the third only while the first began
 * less than requestTimeoutMs ago, so one that timed out is not tried twice
 * more. A connection that closes under a request is often back, or replaced,
 * a second later: when a tab's connection to its relay drops, every relayed
 * connection drops with it, and the relay is dialled again. `onRetry` hears
 * of each failure that is tried again.
 */
export async function withRetries<T> (
  { now, settings }: RetryComponents,
  attempt: () => Promise<T>,
  worthIt: () => boolean,
  onRetry?: (err: unknown, pauseMs: number) => void
): Promise<T> {
  const started = now()
  for (let n = 0; ; n++) {
    try {
      return await attempt()
    } catch (err) {
      const pause = RETRY_PAUSES_MS[n]
      const late = n > 0 && now() - started >= settings.requestTimeoutMs
      if (pause === undefined || late || !retriable(err) || !worthIt()) throw err
      onRetry?.(err, pause)
      await new Promise(resolve => setTimeout(resolve, pause))
    }
  }
}
