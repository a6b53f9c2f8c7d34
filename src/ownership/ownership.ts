import { peerIdFromString } from '@libp2p/peer-id'
import { kadIdOfPeer, virtualIdsOf } from './ids.js'
import { OwnerLookup } from './lookup.js'
import { Ring } from './ring.js'

/** What ownership needs to know of a member. */
export interface OwnerCandidate {
  peerId: string
  role: string
  weight: number
}

export interface OwnershipInit {
  mesh: string
  replicas: number
  virtualIds: number
}

/**
 * Who owns which key: the ring of the owner-role members' virtual ids,
 * rebuilt on every view change, and the owners remembered per key until then.
 */
export class Ownership {
  private readonly init: OwnershipInit
  private readonly lookup: OwnerLookup
  /** sha256 of each member's peer id, which every rebuild would otherwise redo. */
  private readonly kadIds = new Map<string, Uint8Array>()
  /** Each member's virtual ids, for the same reason (most of a rebuild's time at 100 members). */
  private readonly virtualIds = new Map<string, Uint8Array[]>()
  /** The members of a view not built yet: many changes in a row (a deploy's joins) cost one ring. */
  private pending?: OwnerCandidate[]
  private readonly listeners: Array<() => void> = []

  constructor (init: OwnershipInit) {
    this.init = init
    this.lookup = new OwnerLookup(init.mesh, init.replicas, new Ring([], init.virtualIds))
  }

  /** The ring of the current view. */
  get current (): Ring {
    return this.settled().current
  }

  /** Names the current owner set: equal ids, equal owners for every key. */
  get viewId (): string {
    return this.settled().viewId
  }

  /** A new view: the ring of these members' owners, built when it is first asked for. */
  rebuild (members: Iterable<OwnerCandidate>): void {
    this.pending = [...members]
    for (const listener of this.listeners) listener()
  }

  /** Calls `listener` on every rebuild: the owners of any key may change. */
  onChange (listener: () => void): void {
    this.listeners.push(listener)
  }

  /** The ring these members would make; `without` leaves one out (this peer, before it leaves). */
  ring (members: Iterable<OwnerCandidate>, without?: string): Ring {
    const owners = []
    for (const member of members) {
      if (member.role !== 'owner' || member.peerId === without) continue
      owners.push({ peerId: member.peerId, kadId: this.kadIdOf(member.peerId), weight: member.weight })
    }
    return new Ring(owners, this.init.virtualIds, (member, count) => {
      let ids = this.virtualIds.get(member.peerId)
      if (ids?.length !== count) {
        ids = virtualIdsOf(member.kadId, count)
        this.virtualIds.set(member.peerId, ids)
      }
      return ids
    })
  }

  /** A member that left: its id need not be remembered. */
  forget (peerId: string): void {
    this.kadIds.delete(peerId)
    this.virtualIds.delete(peerId)
  }

  owners (keyspace: string, key: string): string[] {
    return this.settled().owners(keyspace, key)
  }

  successors (keyspace: string, key: string): string[] {
    return this.settled().successors(keyspace, key)
  }

  /** The owners of a key under another ring (before or after a view change). */
  ownersIn (ring: Ring, keyspace: string, key: string): string[] {
    return this.lookup.ownersIn(ring, keyspace, key)
  }

  private settled (): OwnerLookup {
    if (this.pending != null) {
      const members = this.pending
      this.pending = undefined
      this.lookup.use(this.ring(members))
    }
    return this.lookup
  }

  private kadIdOf (peerId: string): Uint8Array {
    let id = this.kadIds.get(peerId)
    if (id == null) {
      id = kadIdOfPeer(peerIdFromString(peerId).toMultihash().bytes)
      this.kadIds.set(peerId, id)
    }
    return id
  }
}
