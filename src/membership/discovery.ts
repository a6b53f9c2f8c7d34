import { multiaddr } from '@multiformats/multiaddr'
import type { ComponentLogger, Connection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A host name's addresses (A and AAAA records), as IP literals. */
export type ResolveDns = (name: string) => Promise<string[]>

export interface DnsDiscoveryComponents {
  self: string
  dial: (addr: Multiaddr, options: { signal: AbortSignal }) => Promise<Pick<Connection, 'remotePeer'>>
  /** Whether this peer has a connection to the peer now. */
  connected: (peer: string) => boolean
  /** This peer's own addresses: a name that lists this peer too is not dialled back to itself. */
  ownAddresses: () => string[]
  resolve: ResolveDns
  logger: ComponentLogger
}

export interface DnsDiscoveryInit {
  /** `name` or `name:port` (the port defaults to `defaultPort`). */
  names: string[]
  defaultPort: number
  intervalMs: number
  timeoutMs: number
}

interface Target { name: string, port: number }

/** Parses `name[:port]`; undefined for anything else. */
export function parseDnsTarget (text: string, defaultPort: number): Target | undefined {
  const match = /^([A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(text)
  if (match == null) return undefined
  const port = match[3] === undefined ? defaultPort : Number(match[3])
  return port >= 1 && port <= 65535 ? { name: match[1], port } : undefined
}

/**
 * Peers found through DNS names (a Kubernetes headless service): every
 * address a name resolves to is dialled on its port, at start and then every
 * `intervalMs`, so that peers started at the same moment, or a mesh split in
 * two, find each other later. It only finds peers: a dialled peer becomes a
 * member the way any connected one does (its heartbeats, the mesh secret).
 * A failed lookup or dial is a trace line and a try again next round.
 */
export class DnsDiscovery {
  private readonly c: DnsDiscoveryComponents
  private readonly init: DnsDiscoveryInit
  private readonly targets: Target[]
  private readonly log
  /** The peer last reached at each address: while connected to it, the address is not dialled again. */
  private readonly reachedAt = new Map<string, string>()
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly stopping = new AbortController()
  /** A round outlasting the interval (slow lookups, dial timeouts) is not joined by the next. */
  private inRound = false

  constructor (components: DnsDiscoveryComponents, init: DnsDiscoveryInit) {
    this.c = components
    this.init = init
    this.targets = init.names.map(name => parseDnsTarget(name, init.defaultPort)!)
    this.log = components.logger.forComponent('meshcache:discovery:dns')
  }

  /** The first round: resolves with the peers it reached (seeds for the join); never throws. */
  async start (): Promise<string[]> {
    if (this.targets.length === 0) return []
    const reached = await this.round()
    this.timer = setInterval(() => {
      if (this.inRound) return
      this.inRound = true
      this.round().catch((err: Error) => { this.log.error('a discovery round failed: %e', err) }).finally(() => { this.inRound = false })
    }, this.init.intervalMs)
    return reached
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.stopping.abort()
  }

  private async round (): Promise<string[]> {
    const addresses = (await Promise.all(this.targets.map(async target => this.addressesOf(target)))).flat()
    const own = this.c.ownAddresses()
    const reached = new Set<string>()
    await Promise.all(addresses.map(async address => {
      if (own.some(mine => mine === address || mine.startsWith(`${address}/`))) return
      const known = this.reachedAt.get(address)
      if (known !== undefined && this.c.connected(known)) return
      if (this.stopping.signal.aborted) return
      try {
        const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.init.timeoutMs)])
        const peer = (await this.c.dial(multiaddr(address), { signal })).remotePeer.toString()
        if (peer === this.c.self) return
        this.reachedAt.set(address, peer)
        reached.add(peer)
        this.log('reached %s at %s', peer, address)
      } catch (err) {
        this.log.trace('%s not reached: %s', address, (err as Error).message)
      }
    }))
    return [...reached]
  }

  private async addressesOf ({ name, port }: Target): Promise<string[]> {
    try {
      const ips = await this.c.resolve(name)
      return ips.map(ip => `${ip.includes(':') ? '/ip6' : '/ip4'}/${ip}/tcp/${port}`)
    } catch (err) {
      this.log('resolving %s failed: %s', name, (err as Error).message)
      return []
    }
  }
}

export interface FoundPeersComponents {
  self: string
  /** Dials the peer at the addresses libp2p's peer store holds for it. */
  dial: (peer: string) => Promise<unknown>
  connected: (peer: string) => boolean
  logger: ComponentLogger
}

/**
 * Peers a libp2p discovery service announced (mDNS on a LAN): libp2p 2 only
 * puts them in its peer store, so each one not yet connected is dialled
 * here, once at a time. A connected peer becomes a member the way any does.
 */
export class FoundPeers {
  private readonly c: FoundPeersComponents
  private readonly dialling = new Set<string>()
  private readonly log

  constructor (components: FoundPeersComponents) {
    this.c = components
    this.log = components.logger.forComponent('meshcache:discovery')
  }

  found (peer: string): void {
    if (peer === this.c.self || this.dialling.has(peer) || this.c.connected(peer)) return
    this.dialling.add(peer)
    this.c.dial(peer).then(() => { this.log('dialled %s, found by discovery', peer) }, (err: Error) => {
      this.log.trace('%s, found by discovery, not reached: %s', peer, err.message)
    }).finally(() => { this.dialling.delete(peer) })
  }
}
