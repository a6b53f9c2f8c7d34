import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { isRelayed } from '../libp2p.js'
import type { ComponentLogger, Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** What openStream needs of a libp2p node. */
export interface StreamNode {
  getConnections: (peer: PeerId) => Connection[]
  peerStore: { get: (peer: PeerId) => Promise<{ addresses: Array<{ multiaddr: Multiaddr }> }> }
  dial: (target: Multiaddr[] | PeerId, options: { signal: AbortSignal, force: boolean }) => Promise<Connection>
  /** The node's logger component: openStream logs as `meshcache:open-stream`. */
  logger: ComponentLogger
}

/** One Logger per node's logger component, made on its first stream. */
const logs = new WeakMap<ComponentLogger, Logger>()

function logOf (logger: ComponentLogger): Logger {
  let log = logs.get(logger)
  if (log == null) {
    log = logger.forComponent('meshcache:open-stream')
    logs.set(logger, log)
  }
  return log
}

/** The longest a connection has alone before the next one is tried beside it. */
const STAGGER_MS = 500

/**
 * A stream on the best connection to the peer: direct ones (WebRTC between
 * tabs, TCP between Node peers) first, newest first, then relayed ones. Each
 * connection gets the whole budget; the next one starts beside it once it has
 * had a moment alone or failed, and the first stream opened wins. A split
 * budget gave a working connection on a CPU-starved tab a third of it, and a
 * connection whose other end gave up (a closed tab's WebRTC) still stalls no
 * one for long. With no connection, or none that opens one, it dials the
 * peer's non-WebRTC addresses: setting up WebRTC takes seconds and is the
 * upgrade path's job (browser/), not a request's. Those are the peer store's
 * and the ones the member last announced (`announced`): identify replaces the
 * stored ones with the peer's signed record, which can predate a tab's relay
 * reservation and hold only WebRTC addresses ("no valid addresses").
 */
export async function openStream (node: StreamNode, peer: string, protocol: string, timeoutMs: number, announced: string[] = []): Promise<Stream> {
  const log = logOf(node.logger)
  const id = peerIdFromString(peer)
  const open = node.getConnections(id).filter(c => c.status === 'open').reverse()
  const ordered = [...open.filter(c => !isRelayed(c.remoteAddr)), ...open.filter(c => isRelayed(c.remoteAddr))]
  if (ordered.length > 0) {
    try {
      return await firstStream(ordered, protocol, timeoutMs, Math.min(STAGGER_MS, timeoutMs / 4), log)
    } catch (err) {
      // The peer does not speak it: a new connection will not either.
      if ((err as Error).name === 'UnsupportedProtocolError') throw err
      log('no %s stream to %s on its %d connection(s), dialling: %s', protocol, peer, ordered.length, (err as Error).message)
    }
  }
  const signal = AbortSignal.timeout(timeoutMs)
  const stored = await node.peerStore.get(id).then(p => p.addresses.map(a => a.multiaddr), (err: Error) => {
    log.trace('no stored addresses of %s: %s', peer, err.message)
    return []
  })
  const parsed = announced.flatMap(a => {
    try {
      return [multiaddr(a)]
    } catch (err) {
      log.trace('ignored the address %s announced by %s: %s', a, peer, (err as Error).message)
      return []
    }
  })
  const known = new Map([...stored, ...parsed].map(a => [a.toString(), a]))
  const plain = [...known.values()].filter(a => !a.toString().includes('/webrtc'))
  const target = plain.length > 0 ? plain.map(a => a.toString().includes('/p2p/' + peer) ? a : a.encapsulate(`/p2p/${peer}`)) : id
  log.trace('dialling %s at %s', peer, plain.length > 0 ? plain.join(' ') : 'the addresses libp2p finds')
  const connection = await node.dial(target, { signal, force: ordered.length > 0 })
  return connection.newStream(protocol, { signal, runOnLimitedConnection: true })
}

/**
 * Opens the protocol on each connection in turn, staggered, and resolves with
 * the first stream; later ones are aborted. Rejects with the first
 * connection's error when none opens one within `timeoutMs`.
 */
async function firstStream (connections: Connection[], protocol: string, timeoutMs: number, staggerMs: number, log: Logger): Promise<Stream> {
  const deadline = AbortSignal.timeout(timeoutMs)
  const cancels = connections.map(() => new AbortController())
  const lost = (): Error => new Error('another connection opened the stream first')
  let winner: Stream | undefined
  let mayStart: Promise<void> = Promise.resolve()
  const attempts = connections.map((connection, i) => {
    const start = mayStart
    const attempt = start.then(async () => {
      if (winner != null) throw lost()
      const stream = await connection.newStream(protocol, { signal: AbortSignal.any([deadline, cancels[i].signal]), runOnLimitedConnection: true })
      if (winner != null) {
        stream.abort(lost())
        throw lost()
      }
      winner = stream
      cancels.forEach((cancel, j) => { if (j !== i) cancel.abort() })
      return stream
    })
    // The next connection starts after this one's moment alone, or at once when it fails.
    const failed = attempt.then(() => new Promise<void>(() => {}), (err: Error) => {
      log.trace('no %s stream on %a: %s', protocol, connection.remoteAddr, err.message)
    })
    mayStart = start.then(async () => Promise.race([sleep(staggerMs, deadline), failed]))
    return attempt
  })
  try {
    return await Promise.any(attempts)
  } catch (err) {
    throw (err as AggregateError).errors?.[0] ?? err
  }
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done)
  })
}
