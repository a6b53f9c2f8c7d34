import { applyWrite } from '../operations/apply.js'
import { fromWire } from '../operations/entries.js'
import type { ApplyComponents } from '../operations/apply.js'
import type { Frame } from '../protocol/frame.js'

/**
 * Owner: applies keys handed over by another owner. A key this owner lacked
 * changed for nobody: no invalidation. One it held in an older version
 * changed for its readers (the replicas had diverged: a partition, a missed
 * write), so that replacement is announced like a write.
 */
export async function handleHandoff (c: ApplyComponents, frame: Frame): Promise<Partial<Frame>> {
  return {
    found: frame.entries.map(entry => {
      if (c.store.peek(entry.keyspace, entry.key) != null) return applyWrite(c, entry.keyspace, entry.key, fromWire(entry))
      c.clock.observe(entry.version)
      return c.store.apply(entry.keyspace, entry.key, fromWire(entry))
    })
  }
}
