import { refuse } from '../src/persist/database.js'
import type { Logger } from '@libp2p/interface'

/** Stores per mesh an origin keeps: one per tab open at once, reused by the tabs that come later. */
export const MAX_SLOTS = 64
/** How long a reload waits for its own store, which the page it replaces may still be letting go of. */
const OWN_SLOT_WAIT_MS = 2_000

export interface TabSlot {
  /** The IndexedDB database this tab uses. */
  name: string
  /** Lets another tab take the store (the cache calls it once the database is closed). */
  release: () => void
}

/**
 * Picks the IndexedDB database a tab persists to. Every tab of an origin sees
 * the same databases, so a Web Lock per database keeps two tabs (and two peer
 * ids) from sharing one; sessionStorage, which a reload keeps and another tab
 * does not see, remembers which one was this tab's, so a reload takes its own
 * store back and owns the same keys. A tab without one takes the first free.
 */
export async function takeTabSlot (mesh: string, log: Logger): Promise<TabSlot> {
  const locks = globalThis.navigator?.locks
  if (locks === undefined) refuse('persist: true', 'needs the Web Locks API, which browsers give secure contexts only (https, or localhost)')
  const remembered = `meshcache:persist-slot:${mesh}`
  const own = readSlot(remembered, log)
  const nameOf = (slot: number): string => `meshcache-${mesh}-${slot}`
  if (own !== undefined) {
    const release = await hold(locks, nameOf(own), { signal: AbortSignal.timeout(OWN_SLOT_WAIT_MS) })
    if (release !== undefined) return { name: nameOf(own), release }
    // A duplicated tab inherits its original's sessionStorage, and the original still holds that store.
    log('store %d is held by another tab: taking a free one', own)
  }
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    const release = await hold(locks, nameOf(slot), { ifAvailable: true })
    if (release === undefined) continue
    writeSlot(remembered, slot, log)
    return { name: nameOf(slot), release }
  }
  return refuse('persist: true', `all ${MAX_SLOTS} stores of mesh ${JSON.stringify(mesh)} are held by other tabs of this origin`)
}

/** The lock's release, or undefined when it was not free (ifAvailable) or not freed in time (signal). */
async function hold (locks: LockManager, name: string, options: LockOptions): Promise<(() => void) | undefined> {
  return new Promise((resolve, reject) => {
    locks.request(name, options, async lock => {
      if (lock === null) {
        resolve(undefined)
        return
      }
      await new Promise<void>(release => { resolve(release) })
    }).catch((err: Error) => {
      if (err.name === 'AbortError' || err.name === 'TimeoutError') resolve(undefined)
      else reject(err)
    })
  })
}

function readSlot (name: string, log: Logger): number | undefined {
  try {
    const slot = Number(globalThis.sessionStorage?.getItem(name) ?? NaN)
    return Number.isInteger(slot) && slot >= 0 && slot < MAX_SLOTS ? slot : undefined
  } catch (err) {
    // Storage off (a sandboxed frame, say): every start takes the first free store.
    log.trace('sessionStorage unreadable: %s', (err as Error).message)
    return undefined
  }
}

function writeSlot (name: string, slot: number, log: Logger): void {
  try {
    globalThis.sessionStorage?.setItem(name, String(slot))
  } catch (err) {
    log.trace('sessionStorage unwritable: %s', (err as Error).message)
  }
}
