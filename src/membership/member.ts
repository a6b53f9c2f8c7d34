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
  /** When its next heartbeat is due, as its last one said (the period grows with the mesh). */
  periodMs?: number
}

export type LeaveReason = 'leave' | 'dead' | 'restart'

export function isRole (value: string): value is Role {
  return value === 'owner' || value === 'client'
}

/** Largest weight a member may claim: it buys `virtualIds × weight` ring entries. */
export const MAX_WEIGHT = 1000

/**
 * A member as another peer described it (heartbeat or JOIN), or undefined when
 * the description is unusable: an unknown role, a weight outside (0, 1000], an
 * empty peer id. One check for every way members arrive, so a bad one can never
 * reach the view (and the ring built from it).
 */
export function checkedMember<T extends { peerId: string, role: string, weight: number }> (member: T): (T & { role: Role }) | undefined {
  if (typeof member.peerId !== 'string' || member.peerId === '') return undefined
  if (!isRole(member.role)) return undefined
  if (!(member.weight > 0 && member.weight <= MAX_WEIGHT)) return undefined
  return member as T & { role: Role }
}
