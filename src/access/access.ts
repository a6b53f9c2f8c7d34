import { ErrorCodes, MeshCacheError } from '../errors.js'
import { initiate, respond } from './handshake.js'
import { Offence } from './penalties.js'
import { PeerRate } from './rate.js'
import { gossipScore } from './score.js'
import type { Mac } from './handshake.js'
import type { Penalties } from './penalties.js'
import type { Connection, Stream, StreamHandlerOptions } from '@libp2p/interface'

export interface AccessInit {
  mesh: string
  /** The MAC over the mesh key; absent = no secret, every peer is let in (limits still apply). */
  mac?: Mac
  /** Time a handshake may take, and a stream to open for it. */
  timeoutMs: number
  penalties: Penalties
  /** Invalidation items one gossip originator may send per second. */
  maxInvalidationsPerSecond: number
  now?: () => number
}

/** What Access needs of the node and the cache, given at start (the node exists after Access). */
export interface AccessComponents {
  self: string
  handle: (protocol: string, handler: (data: { stream: Stream, connection: Connection }) => void, options?: StreamHandlerOptions) => Promise<void>
  openStream: (peer: string, protocol: string) => Promise<Stream>
  hangUp: (peer: string) => void
  /** A peer proven to lack the secret: whoever vouched for it, it is no member. */
  onRejected?: (peer: string) => void
}

export interface AccessStatus {
  /** Whether this peer requires the mesh secret (never the secret itself). */
  secret: boolean
  verifiedPeers: number
  /** Handshakes failed and requests refused for want of the secret. */
  unauthorized: number
  /** Requests and invalidations refused for going over a limit. */
  rejected: number
  /** Gossip messages ignored because their sender or forwarder had not proven the secret. */
  ignoredGossip: number
  penalizedPeers: number
  bannedPeers: number
}

export function authProtocol (mesh: string): string {
  return `/meshcache/${mesh}/auth/1.0.0`
}

/** A refused peer gets this long to read the ERR_UNAUTHORIZED already on its way before the hang-up. */
const HANG_UP_GRACE_MS = 500
/** Peers heard of only through gossip are tried at most this often. */
const RETRY_MS = 5_000
const MAX_REMEMBERED = 10_000

interface Attempt {
  promise: Promise<void>
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * Who may talk to this peer. With a mesh secret, a peer counts only once it
 * has proven the key in the handshake (handshake.ts), started as soon as a
 * connection opens; until then it is not served, not sent gossip, and not
 * listened to. Without one, everyone may. Either way, a peer that breaks a
 * limit or the framing is hung up and penalized (penalties.ts), and the
 * penalty feeds gossipsub's score and the connection gater.
 */
export class Access {
  private readonly init: AccessInit
  private readonly protocol: string
  private readonly proven = new Set<string>()
  private readonly attempts = new Map<string, Attempt>()
  private readonly lastTry = new Map<string, number>()
  /** Peers refused and about to be hung up (both directions of a handshake may fail: count it once). */
  private readonly refusing = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly invalidations: PeerRate
  private readonly now: () => number
  private io?: AccessComponents
  private counts = { unauthorized: 0, rejected: 0, ignoredGossip: 0 }

  constructor (init: AccessInit) {
    this.init = init
    this.protocol = authProtocol(init.mesh)
    this.now = init.now ?? Date.now
    this.invalidations = new PeerRate({ perSecond: init.maxInvalidationsPerSecond, now: this.now })
  }

  get secret (): boolean {
    return this.init.mac != null
  }

  async start (io: AccessComponents): Promise<void> {
    this.io = io
    if (!this.secret) return
    await io.handle(this.protocol, ({ stream, connection }) => { this.answer(stream, connection.remotePeer.toString()) }, {
      // Tabs first meet over relayed ("limited") connections, and must prove themselves there.
      runOnLimitedConnection: true,
      maxInboundStreams: 4,
      maxOutboundStreams: 4
    })
  }

  stop (): void {
    this.io = undefined
    for (const timer of this.refusing.values()) clearTimeout(timer)
    this.refusing.clear()
    for (const [peer] of this.attempts) this.settle(peer, new MeshCacheError(ErrorCodes.CLOSED, 'the cache is stopped'))
  }

  /** Whether the peer may be served and heard now (always, without a secret, unless banned). */
  allowed (peer: string): boolean {
    return (!this.secret || this.proven.has(peer)) && !this.init.penalties.banned(peer)
  }

  /** Resolves once the peer and this one have proven the secret to each other; one handshake at a time per peer. */
  async verify (peer: string): Promise<void> {
    if (this.init.penalties.banned(peer)) throw unauthorized(peer, 'it is banned for failing the handshake or misbehaving')
    if (!this.secret || this.proven.has(peer)) return
    let attempt = this.attempts.get(peer)
    if (attempt == null) {
      attempt = deferred()
      this.attempts.set(peer, attempt)
      // Bounded: it only spaces out retries, so forgetting it all costs a few early ones.
      if (this.lastTry.size >= MAX_REMEMBERED) this.lastTry.clear()
      this.lastTry.set(peer, this.now())
      void this.challenge(peer)
    }
    return attempt.promise
  }

  /**
   * Starts proving each other in the background: a connection opened (so the
   * first request or graft need not wait), or a member vouched for the peer.
   */
  meet (peer: string): void {
    if (this.secret && !this.proven.has(peer) && peer !== this.io?.self) this.verify(peer).catch(() => {})
  }

  /** The last connection closed: the next one proves itself again. */
  disconnected (peer: string): void {
    this.proven.delete(peer)
    this.lastTry.delete(peer)
    this.invalidations.forget(peer)
  }

  /** Gossip filter: a message counts when both its originator and the peer that forwarded it are proven. */
  acceptGossip (from: string, via: string): boolean {
    if (this.allowed(from) && this.allowed(via)) return true
    this.counts.ignoredGossip++
    // A member we have no connection to yet (a tab that just joined): meet it, and its next message counts.
    if (this.secret && !this.proven.has(from) && this.now() - (this.lastTry.get(from) ?? -Infinity) >= RETRY_MS) {
      this.verify(from).catch(() => {})
    }
    return false
  }

  /** Token bucket per originator: false (and the peer penalized) once it sends invalidations faster than allowed. */
  admitInvalidations (from: string, items: number): boolean {
    if (this.invalidations.take(from, Math.max(1, items))) return true
    this.misbehaved(from, new MeshCacheError(ErrorCodes.LIMIT_EXCEEDED, `peer ${from} sent more than ${this.init.maxInvalidationsPerSecond} invalidations per second`))
    return false
  }

  /** A peer sent a bad frame or went over a limit: hang up and penalize; the gater bans repeat offenders. */
  misbehaved (peer: string, err: MeshCacheError): void {
    if (peer === this.io?.self) return
    if (err.code === ErrorCodes.LIMIT_EXCEEDED) this.counts.rejected++
    this.init.penalties.add(peer, Offence.MISBEHAVIOUR)
    this.io?.hangUp(peer)
  }

  /** A request was refused because its sender had not proven the secret. */
  refusedRequest (): void {
    this.counts.unauthorized++
  }

  /** gossipsub's app-specific score of a peer (see score.ts). */
  score (peer: string): number {
    return gossipScore(this.init.penalties.points(peer), !this.secret || this.proven.has(peer))
  }

  banned (peer: string): boolean {
    return this.init.penalties.banned(peer)
  }

  status (): AccessStatus {
    const { penalized, banned } = this.init.penalties.counts()
    return { secret: this.secret, verifiedPeers: this.proven.size, ...this.counts, penalizedPeers: penalized, bannedPeers: banned }
  }

  private async challenge (peer: string): Promise<void> {
    const { io } = this
    if (io == null) {
      this.settle(peer, new MeshCacheError(ErrorCodes.CLOSED, 'the cache is not running'))
      return
    }
    try {
      const stream = await io.openStream(peer, this.protocol)
      await initiate({ stream, self: io.self, remote: peer, mac: this.init.mac!, timeoutMs: this.init.timeoutMs })
      this.prove(peer)
    } catch (err) {
      if ((err as Error).name === 'UnsupportedProtocolError') this.reject(peer, unauthorized(peer, 'it does not run the mesh secret handshake (no secret set)'))
      else if ((err as MeshCacheError).code === ErrorCodes.UNAUTHORIZED) this.reject(peer, err as MeshCacheError)
      // Could not finish (unreachable, timed out, closed): no verdict; the next need tries again.
      else this.settle(peer, new MeshCacheError(ErrorCodes.UNAVAILABLE, `cannot verify ${peer}: ${(err as Error).message}`, { cause: err }))
    }
  }

  private answer (stream: Stream, peer: string): void {
    const { io } = this
    if (io == null || this.init.penalties.banned(peer)) {
      stream.abort(new Error('refused'))
      return
    }
    respond({ stream, self: io.self, remote: peer, mac: this.init.mac!, timeoutMs: this.init.timeoutMs }).then(
      () => { this.prove(peer) },
      (err: MeshCacheError) => { if (err.code === ErrorCodes.UNAUTHORIZED) this.reject(peer, err) }
    )
  }

  private prove (peer: string): void {
    if (this.io == null) return
    this.proven.add(peer)
    this.settle(peer)
  }

  /** Proven not to hold the secret: banned (Offence.HANDSHAKE reaches the ban at once), dropped, hung up. */
  private reject (peer: string, err: MeshCacheError): void {
    this.settle(peer, err)
    if (this.refusing.has(peer)) return
    this.counts.unauthorized++
    this.proven.delete(peer)
    this.init.penalties.add(peer, Offence.HANDSHAKE)
    this.io?.onRejected?.(peer)
    this.refusing.set(peer, setTimeout(() => {
      this.refusing.delete(peer)
      this.io?.hangUp(peer)
    }, HANG_UP_GRACE_MS))
  }

  private settle (peer: string, err?: Error): void {
    const attempt = this.attempts.get(peer)
    if (attempt == null) return
    this.attempts.delete(peer)
    if (err == null) attempt.resolve()
    else attempt.reject(err)
  }
}

function unauthorized (peer: string, why: string): MeshCacheError {
  return new MeshCacheError(ErrorCodes.UNAUTHORIZED, `peer ${peer} is not a member of this mesh: ${why}`)
}

function deferred (): Attempt {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  // Background attempts have no one waiting; their failure is recorded elsewhere.
  promise.catch(() => {})
  return { promise, resolve, reject }
}
