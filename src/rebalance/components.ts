import type { Membership } from '../membership/membership.js'
import type { OperationComponents, Settings } from '../operations/components.js'
import type { Ownership } from '../ownership/index.js'

/** What rebalancing needs: the store and the write path, the view, and the membership it reacts to. */
export type RebalanceComponents = Pick<OperationComponents,
'self' | 'store' | 'near' | 'clock' | 'invalidator' | 'requests' | 'view' | 'settings' | 'now' | 'logger'> & {
  membership: Pick<Membership, 'self' | 'members' | 'upsert' | 'remove' | 'lostMembers' | 'reportedDead'>
  ownership: Pick<Ownership, 'current' | 'ring' | 'ownersIn'>
  /** Whether this peer holds an open connection to the peer. */
  connected: (peer: string) => boolean
}

/** Rebalancing's own bookkeeping, shared by its files. */
export interface RebalanceState {
  /** Key handovers in flight, by receiving peer, so one join triggers one push. */
  readonly transfers: Map<string, Promise<void>>
  /** Keys pushed to a newcomer and kept here a while, by entry id: when they were handed off. */
  readonly handedOff: Map<string, number>
  /** How long a handed-off key stays: time enough for every member to hear of the newcomer. */
  readonly handOffGraceMs: number
}

/** What a push to a newcomer and the stray sweep need. */
export type PushComponents = Pick<RebalanceComponents, 'self' | 'store' | 'view' | 'requests' | 'now'> & {
  settings: Pick<Settings, 'requestTimeoutMs'>
}

/** What a leaver's hand-off and a crash's re-replication need: the owners under another ring. */
export type MoveComponents = Pick<RebalanceComponents, 'self' | 'store' | 'view' | 'requests'> & {
  ownership: Pick<RebalanceComponents['ownership'], 'ownersIn'>
}
