export type Role = 'owner' | 'client'

/** A peer of the mesh as this peer currently sees it. */
export interface Member {
  peerId: string
  role: Role
  /** Relative share of keys this member takes (its capacity). */
  weight: number
  /** Start time of the member's process: a restart is a new incarnation. */
  incarnation: number
  addrs: string[]
  /** Local clock time of the last sign of life (heartbeat, join or request). */
  lastSeen: number
  /** Entries the member said it holds, from its last heartbeat. */
  keys: number
}

export type LeaveReason = 'leave' | 'dead' | 'restart'

export function isRole (value: string): value is Role {
  return value === 'owner' || value === 'client'
}
