import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Member } from './member.js'
import type { ComponentLogger, Logger, PeerStore } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface LivenessComponents {
  /** A meshcache PING to the peer (on any connection, dialling if needed); resolves with the round trip. */
  ping: (peer: string, timeoutMs: number) => Promise<number>
  peerStore: Pick<PeerStore, 'merge'>
  /** A banned peer stays away: it is not re-dialled. */
  banned: (peer: string) => boolean
  /** Whether the cache serves: while it starts or stops, every member counts as alive. */
  running: () => boolean
  logger: ComponentLogger
}

export interface LivenessInit {
  requestTimeoutMs: number
}

/**
 * The policy behind Membership's `probe` and `redial`: a member is alive when
 * it answers a meshcache PING; a member declared dead is dialled again at the
 * addresses it last announced (the peer store may have aged them out).
 */
export class Liveness {
  private readonly c: LivenessComponents
  private readonly init: LivenessInit
  private readonly log: Logger

  constructor (components: LivenessComponents, init: LivenessInit) {
    this.c = components
    this.init = init
    this.log = components.logger.forComponent('meshcache:liveness')
  }

  async probe (peer: string): Promise<boolean> {
    if (!this.c.running()) return true
    try {
      // A whole request timeout, as for any request: a slow answer is no
      // proof of death. With 2 s, peers starved of CPU while 100 started at
      // once failed each other's probes, and every false death moved keys and
      // made the machine busier still. A crashed peer fails at once anyway:
      // its connection is gone and the dial is refused.
      await this.c.ping(peer, this.init.requestTimeoutMs)
      return true
    } catch (err) {
      this.log('probe of %s failed: %s', peer, (err as Error).message)
      return false
    }
  }

  async redial (member: Member): Promise<boolean> {
    if (!this.c.running() || this.c.banned(member.peerId)) return false
    this.log.trace('redialling %s', member.peerId)
    await this.learnAddrs(member)
    return this.probe(member.peerId)
  }

  /** Puts a member's announced addresses in the peer store, where dials look. */
  async learnAddrs (member: Member): Promise<void> {
    const addrs = member.addrs.flatMap((a): Multiaddr[] => {
      try {
        return [multiaddr(a)]
      } catch (err) {
        this.log('%s announced a bad address %s: %s', member.peerId, a, (err as Error).message)
        return []
      }
    })
    try {
      await this.c.peerStore.merge(peerIdFromString(member.peerId), { multiaddrs: addrs })
    } catch (err) {
      this.log.error('storing the addresses of %s failed: %e', member.peerId, err)
    }
  }
}
