import { Op } from '../protocol/frame.js'
import type { OperationComponents } from './components.js'
import type { Frame } from '../protocol/frame.js'
import type { Logger } from '@libp2p/interface'

export type KeyspacesComponents = Pick<OperationComponents, 'self' | 'store' | 'near' | 'requests' | 'logger'> & {
  /** Every member's peer id but this peer's. */
  members: () => string[]
}

/** KEYSPACES and DROP_KEYSPACE: mesh-wide keyspace names, and dropping one everywhere. */
export class KeyspaceOperations {
  private readonly c: KeyspacesComponents
  private readonly log: Logger

  constructor (components: KeyspacesComponents) {
    this.c = components
    this.log = components.logger.forComponent('meshcache:keyspaces')
  }

  /** Member: names of the keyspaces it holds or has configured. */
  async handleList (): Promise<Partial<Frame>> {
    return { names: this.c.store.keyspaces() }
  }

  /** Member: forgets a keyspace's entries, near copies and budget. */
  async handleDrop (frame: Frame): Promise<Partial<Frame>> {
    this.log('dropping keyspace %s', frame.keyspace)
    this.c.store.dropKeyspace(frame.keyspace)
    this.c.near.dropKeyspace(frame.keyspace)
    return {}
  }

  /** Requester: every keyspace known anywhere in the mesh, sorted. Unreachable members are skipped. */
  async list (): Promise<string[]> {
    const names = new Set<string>()
    await Promise.all(this.everyone().map(async peer => {
      const reply = await this.c.requests.call(peer, { op: Op.KEYSPACES }).catch((err: Error) => {
        this.log('%s did not list its keyspaces: %s', peer, err.message)
      })
      for (const name of reply?.names ?? []) names.add(name)
    }))
    return [...names].sort()
  }

  /** Requester: drops a keyspace on every member; resolves with how many members confirmed. */
  async drop (keyspace: string): Promise<number> {
    const peers = this.everyone()
    const replies = await Promise.allSettled(peers.map(async peer => this.c.requests.call(peer, { op: Op.DROP_KEYSPACE, keyspace })))
    replies.forEach((reply, i) => {
      if (reply.status === 'rejected') this.log('%s did not confirm dropping %s: %s', peers[i], keyspace, (reply.reason as Error).message)
    })
    return replies.filter(r => r.status === 'fulfilled').length
  }

  private everyone (): string[] {
    return [this.c.self, ...this.c.members()]
  }
}
