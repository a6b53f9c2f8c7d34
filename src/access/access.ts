import { defaultLogger } from '@libp2p/logger'
import { ErrorCodes, MeshCacheError } from '../errors.js'
import { initiate, respond } from './handshake.js'
import { Offence } from './penalties.js'
import { PeerRate } from './rate.js'
import { gossipScore } from './score.js'
import type { Mac } from './handshake.js'
import type { Penalties } from './penalties.js'
import type { ComponentLogger, Connection, Logger, Stream, StreamHandlerOptions } from '@libp2p/interface'

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
  /** libp2p's logger component: Access logs as `meshcache:access` (never the secret or the key). */
  logger: ComponentLogger
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
  /** The node's logger from start() on; libp2p's default one (the same namespace) before. */
  private log: Logger = defaultLogger().forComponent('meshcache:access')
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
    this.log = io.logger.forComponent('meshcache:access')
    this.log('started: %s', this.secret ? 'peers must prove the mesh secret' : 'no mesh secret, every peer is let in')
    if (!this.secret) return
    await io.handle(this.protocol, ({ stream, connection }) => { this.answer(stream, connection.remotePeer.toString()) }, {
      // Tabs first meet over relayed ("limited") connections, and must prove themselves there.
      runOnLimitedConnection: true,
      maxInboundStreams: 4,
      maxOutboundStreams: 4
    })
  }

  stop (): void {
    this.log('stopping: %d handshakes in progress abandoned', this.attempts.size)
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
    if (this.init.penalties.banned(peer)) {
      this.log.trace('refusing %s: it is banned', peer)
      throw unauthorized(peer, 'it is banned for failing the handshake or misbehaving')
    }
    if (!this.secret || this.proven.has(peer)) return
    let attempt = this.attempts.get(peer)
    if (attempt == null) {
      // Background attempts have no one waiting; their verdict is logged where it is reached.
      attempt = deferred(err => { this.log.trace('verifying %s failed: %s', peer, err.message) })
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
    if (this.secret && !this.proven.has(peer) && peer !== this.io?.self) this.inBackground(peer)
  }

  /** The last connection closed: the next one proves itself again. */
  disconnected (peer: string): void {
    if (this.proven.has(peer)) this.log.trace('%s disconnected: its next connection proves itself again', peer)
    this.proven.delete(peer)
    this.lastTry.delete(peer)
    this.invalidations.forget(peer)
  }

  /** Gossip filter: a message counts when both its originator and the peer that forwarded it are proven. */
  acceptGossip (from: string, via: string): boolean {
    if (this.allowed(from) && this.allowed(via)) return true
    this.counts.ignoredGossip++
    this.log.trace('ignored gossip from %s via %s: %s', from, via, this.allowed(from) ? 'the forwarder is not allowed' : 'the originator is not allowed')
    // A member we have no connection to yet (a tab that just joined): meet it, and its next message counts.
    if (this.secret && !this.proven.has(from) && this.now() - (this.lastTry.get(from) ?? -Infinity) >= RETRY_MS) {
      this.inBackground(from)
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
    const banned = this.init.penalties.add(peer, Offence.MISBEHAVIOUR)
    this.log('penalized %s (+%d points, %s), hanging up: %s %s', peer, Offence.MISBEHAVIOUR, banned ? 'banned' : 'not banned', err.code, err.message)
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
      await initiate({ stream, self: io.self, remote: peer, mac: this.init.mac!, timeoutMs: this.init.timeoutMs, log: this.log })
      this.log('%s proved the mesh secret (we asked)', peer)
      this.prove(peer)
    } catch (err) {
      if ((err as Error).name === 'UnsupportedProtocolError') this.reject(peer, unauthorized(peer, 'it does not run the mesh secret handshake (no secret set)'))
      else if ((err as MeshCacheError).code === ErrorCodes.UNAUTHORIZED) this.reject(peer, err as MeshCacheError)
      // Could not finish (unreachable, timed out, closed): no verdict; the next need tries again.
      else {
        this.log('cannot verify %s yet: %s', peer, (err as Error).message)
        this.settle(peer, new MeshCacheError(ErrorCodes.UNAVAILABLE, `cannot verify ${peer}: ${(err as Error).message}`, { cause: err }))
      }
    }
  }

  private answer (stream: Stream, peer: string): void {
    const { io } = this
    if (io == null || this.init.penalties.banned(peer)) {
      this.log('refused a handshake from %s: %s', peer, io == null ? 'this peer is stopped' : 'it is banned')
      stream.abort(new Error('refused'))
      return
    }
    respond({ stream, self: io.self, remote: peer, mac: this.init.mac!, timeoutMs: this.init.timeoutMs, log: this.log }).then(
      () => {
        this.log('%s proved the mesh secret (it asked)', peer)
        this.prove(peer)
      },
      (err: MeshCacheError) => {
        if (err.code === ErrorCodes.UNAUTHORIZED) this.reject(peer, err)
        // No verdict: it asks again on its next need.
        else this.log('the handshake %s started did not finish: %s', peer, err.message)
      }
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
    if (this.refusing.has(peer)) {
      this.log.trace('refused %s again (already hanging up): %s', peer, err.message)
      return
    }
    this.counts.unauthorized++
    this.proven.delete(peer)
    const banned = this.init.penalties.add(peer, Offence.HANDSHAKE)
    this.log('refused %s (%s, hanging up in %d ms): %s', peer, banned ? 'banned' : 'penalized', HANG_UP_GRACE_MS, err.message)
    this.io?.onRejected?.(peer)
    this.refusing.set(peer, setTimeout(() => {
      this.refusing.delete(peer)
      this.io?.hangUp(peer)
    }, HANG_UP_GRACE_MS))
  }

  /** Starts proving each other with no one waiting for the outcome. */
  private inBackground (peer: string): void {
    this.verify(peer).catch((err: Error) => { this.log.trace('background verification of %s: %s', peer, err.message) })
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

/** `unwaited` sees a failure even when no one waits on the attempt (and keeps it from going unhandled). */
function deferred (unwaited: (err: Error) => void): Attempt {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  promise.catch(unwaited)
  return { promise, resolve, reject }
}
