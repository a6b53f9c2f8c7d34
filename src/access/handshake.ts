import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { ErrorCodes, MeshCacheError } from '../errors.js'
import { equalBytes } from '../util/bytes.js'
import { FramedStream } from './framed.js'
import type { Logger, Stream } from '@libp2p/interface'

/*
 * Mutual proof of the mesh key over one stream, four messages:
 *   A → B  nonceA
 *   B → A  proofB = MAC(challenger A, prover B, nonceA) ‖ nonceB
 *   A → B  proofA = MAC(challenger B, prover A, nonceB)
 *   B → A  ok
 * Noise has already proven who A and B are; the MAC binds both ids in order,
 * so a proof made for one pair, or with the roles swapped (reflection), checks
 * nowhere else, and fresh nonces make an old proof worthless (replay). B sends
 * `ok` only after checking proofA, and A counts B as verified only once it has
 * it: each side then knows the other accepts it before gossip grafts.
 */
export const NONCE_BYTES = 32
const PROOF_BYTES = 32
const OK = new Uint8Array([1])
const LABEL = utf8ToBytes('meshcache/auth/1')

/** The MAC of one proof: who asked, who proves, and the asker's nonce. */
export type Mac = (challenger: string, prover: string, nonce: Uint8Array) => Uint8Array

/** A Mac over the key; the key stays inside the closure, out of reach of logs and inspection. */
export function macWith (key: Uint8Array): Mac {
  const secretKey = key.slice()
  return (challenger, prover, nonce) => hmac(sha256, secretKey, transcript(challenger, prover, nonce))
}

export interface HandshakeInit {
  stream: Stream
  self: string
  /** The peer at the other end, as Noise authenticated it. */
  remote: string
  mac: Mac
  timeoutMs: number
  /** The logger of whoever runs the handshake (Access's `meshcache:access`). */
  log: Logger
  random?: (bytes: number) => Uint8Array
}

/**
 * Runs the initiator's side. Rejects with ERR_UNAUTHORIZED when the peer's
 * proof is wrong or its messages make no sense (it does not hold the key),
 * ERR_TIMEOUT or ERR_UNAVAILABLE when the exchange could not finish.
 */
export async function initiate (init: HandshakeInit): Promise<void> {
  const { self, remote, mac } = init
  await session(init, async io => {
    const nonceA = (init.random ?? randomBytes)(NONCE_BYTES)
    io.send(nonceA)
    const answer = await io.read(PROOF_BYTES + NONCE_BYTES)
    if (!equalBytes(answer.subarray(0, PROOF_BYTES), mac(self, remote, nonceA))) throw refused(remote, 'its proof is wrong')
    io.send(mac(remote, self, answer.subarray(PROOF_BYTES)))
    const ok = await io.read(OK.byteLength)
    if (ok[0] !== OK[0]) throw refused(remote, 'it refused our proof')
  })
}

/** Runs the responder's side; rejects as initiate() does. */
export async function respond (init: HandshakeInit): Promise<void> {
  const { self, remote, mac } = init
  await session(init, async io => {
    const nonceA = await io.read(NONCE_BYTES)
    const nonceB = (init.random ?? randomBytes)(NONCE_BYTES)
    io.send(concat(mac(remote, self, nonceA), nonceB))
    const proofA = await io.read(PROOF_BYTES)
    if (!equalBytes(proofA, mac(self, remote, nonceB))) throw refused(remote, 'its proof is wrong')
    io.send(OK)
  })
}

async function session (init: HandshakeInit, run: (io: FramedStream) => Promise<void>): Promise<void> {
  const io = new FramedStream({ stream: init.stream, peer: init.remote, log: init.log })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    init.log.trace('the handshake with %s timed out after %d ms', init.remote, init.timeoutMs)
    io.abort(new MeshCacheError(ErrorCodes.TIMEOUT, 'handshake timed out'))
  }, init.timeoutMs)
  try {
    await run(io)
    io.finish()
  } catch (err) {
    io.abort(err as Error)
    if (timedOut) throw new MeshCacheError(ErrorCodes.TIMEOUT, `peer ${init.remote} did not finish the handshake within ${init.timeoutMs} ms`)
    throw err
  } finally {
    clearTimeout(timer)
  }
}

function refused (peer: string, why: string): MeshCacheError {
  return new MeshCacheError(ErrorCodes.UNAUTHORIZED, `peer ${peer} failed the mesh secret handshake: ${why}`)
}

/** Length-prefixed fields after a fixed label: no two (challenger, prover, nonce) give the same bytes. */
function transcript (challenger: string, prover: string, nonce: Uint8Array): Uint8Array {
  return concat(LABEL, field(utf8ToBytes(challenger)), field(utf8ToBytes(prover)), field(nonce))
}

function field (bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > 0xffff) throw new MeshCacheError(ErrorCodes.UNAUTHORIZED, 'handshake field too long')
  return concat(new Uint8Array([bytes.byteLength >> 8, bytes.byteLength & 0xff]), bytes)
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) { out.set(part, offset); offset += part.byteLength }
  return out
}
