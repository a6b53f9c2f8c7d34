import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { MeshCacheError } from '../../../src/errors.js'
import { NONCE_BYTES, initiate, macWith, respond } from '../../../src/access/handshake.js'
import { equalBytes } from '../../../src/util/bytes.js'
import { streamPair, turns } from '../fakes.js'
import type { HandshakeInit, Mac } from '../../../src/access/handshake.js'
import type { FakeStream } from '../fakes.js'

const KEY = new Uint8Array(32).fill(7)
const log = defaultLogger().forComponent('meshcache:access')
const OTHER_KEY = new Uint8Array(32).fill(8)

/** The outcome of a handshake side: undefined when it succeeded, else the error code. */
async function outcome (run: Promise<void>): Promise<string | undefined> {
  try {
    await run
    return undefined
  } catch (err) {
    expect(err).toBeInstanceOf(MeshCacheError)
    return (err as MeshCacheError).code
  }
}

function side (end: FakeStream, self: string, remote: string, mac: Mac, extra: Partial<HandshakeInit> = {}): HandshakeInit {
  return { stream: end.stream, self, remote, mac, timeoutMs: 1_000, log, ...extra }
}

/** A has dialled B; each side knows the other's id, as Noise told it. */
async function pair (macA: Mac, macB: Mac, ids: { aSeesB?: string, bSeesA?: string } = {}): Promise<[string | undefined, string | undefined]> {
  const [ea, eb] = streamPair()
  return Promise.all([
    outcome(initiate(side(ea, 'A', ids.aSeesB ?? 'B', macA))),
    outcome(respond(side(eb, 'B', ids.bSeesA ?? 'A', macB)))
  ])
}

/** One length-prefixed handshake message, as FramedStream writes it. */
function message (payload: Uint8Array): Uint8Array {
  return new Uint8Array([payload.byteLength, ...payload])
}

/** Reads the next message `end` received from its peer (what the real side sent). */
async function nextSent (end: FakeStream, index: number): Promise<Uint8Array> {
  for (let i = 0; i < 50 && end.sent.length <= index; i++) await turns(1)
  const bytes = end.sent[index]
  expect(bytes[0]).toBe(bytes.byteLength - 1)
  return bytes.subarray(1)
}

describe('mesh secret handshake', () => {
  it('succeeds both ways with the same key', async () => {
    expect(await pair(macWith(KEY), macWith(KEY))).toEqual([undefined, undefined])
  })

  it('fails with another key: the initiator sees a wrong proof, the responder never gets one', async () => {
    const [a, b] = await pair(macWith(KEY), macWith(OTHER_KEY))
    expect(a).toBe('ERR_UNAUTHORIZED')
    expect(b).not.toBeUndefined()
  })

  it('binds both peer ids: a proof made for another pair does not check', async () => {
    // B believes it talks to C (a different Noise identity): its proof names C, which A refuses.
    const [a, b] = await pair(macWith(KEY), macWith(KEY), { bSeesA: 'C' })
    expect(a).toBe('ERR_UNAUTHORIZED')
    expect(b).not.toBeUndefined()
  })

  it('the MAC depends on who challenges and who proves', () => {
    const mac = macWith(KEY)
    const nonce = new Uint8Array(NONCE_BYTES).fill(1)
    expect(equalBytes(mac('A', 'B', nonce), mac('A', 'B', nonce))).toBe(true)
    expect(equalBytes(mac('A', 'B', nonce), mac('B', 'A', nonce))).toBe(false)
    // Field boundaries are part of the input: "AB" + "C" is not "A" + "BC".
    expect(equalBytes(mac('AB', 'C', nonce), mac('A', 'BC', nonce))).toBe(false)
    expect(equalBytes(mac('A', 'B', nonce), macWith(OTHER_KEY)('A', 'B', nonce))).toBe(false)
  })

  it('defeats reflection: the proof B gives for a nonce does not answer B\'s own challenge', async () => {
    const mac = macWith(KEY)
    // B challenges E (E dialled nothing; B is responder to E's session 1).
    const [, b1] = streamPair()
    const session1 = outcome(respond(side(b1, 'B', 'E', mac)))
    b1.inject(message(new Uint8Array(NONCE_BYTES).fill(3)))
    const answer = await nextSent(b1, 0)
    const nonceB = answer.subarray(32)
    // E opens session 2 to B and sends B's own nonce, hoping for a proof to reflect.
    const [e2, b2] = streamPair()
    const session2 = outcome(respond(side(b2, 'B', 'E', mac)))
    b2.inject(message(nonceB))
    const reflected = (await nextSent(b2, 0)).subarray(0, 32)
    // B made it as prover for challenger E; E needs one as prover for challenger B.
    b1.inject(message(reflected))
    expect(await session1).toBe('ERR_UNAUTHORIZED')
    e2.stream.abort(new Error('done'))
    await session2
  })

  it('defeats replay: a proof recorded from an earlier handshake fails a fresh nonce', async () => {
    const mac = macWith(KEY)
    // Record A's proof from a genuine handshake.
    const [ea, eb] = streamPair()
    await Promise.all([initiate(side(ea, 'A', 'B', mac)), respond(side(eb, 'B', 'A', mac))])
    const recorded = ea.sent[1].subarray(1)
    expect(recorded.byteLength).toBe(32)
    // Replay it to B in a new session: B's nonce is new, so the old proof is worthless.
    const [, b] = streamPair()
    const session = outcome(respond(side(b, 'B', 'A', mac)))
    b.inject(message(ea.sent[0].subarray(1)))
    await nextSent(b, 0)
    b.inject(message(recorded))
    expect(await session).toBe('ERR_UNAUTHORIZED')
  })

  it('uses fresh random nonces', async () => {
    const [ea, eb] = streamPair()
    const [ec, ed] = streamPair()
    const mac = macWith(KEY)
    await Promise.all([initiate(side(ea, 'A', 'B', mac)), respond(side(eb, 'B', 'A', mac)), initiate(side(ec, 'A', 'B', mac)), respond(side(ed, 'B', 'A', mac))])
    expect(equalBytes(ea.sent[0], ec.sent[0])).toBe(false)
    expect(equalBytes(eb.sent[0], ed.sent[0])).toBe(false)
  })

  it('refuses a message of the wrong length as a failed proof', async () => {
    const [, b] = streamPair()
    const session = outcome(respond(side(b, 'B', 'A', macWith(KEY))))
    b.inject(message(new Uint8Array(5)))
    expect(await session).toBe('ERR_UNAUTHORIZED')
    expect(b.aborted).toBeDefined()
  })

  it('times out against a silent peer without a verdict on its secret', async () => {
    const [ea] = streamPair()
    expect(await outcome(initiate(side(ea, 'A', 'B', macWith(KEY), { timeoutMs: 50 })))).toBe('ERR_TIMEOUT')
  })

  it('reports a peer that hangs up mid-way as unavailable, not as unauthorized', async () => {
    const [ea, eb] = streamPair()
    const session = outcome(initiate(side(ea, 'A', 'B', macWith(KEY))))
    await turns()
    eb.stream.abort(new Error('gone'))
    expect(await session).toBe('ERR_UNAVAILABLE')
  })

  it('keeps the key out of reach: the Mac is a closure with nothing enumerable', () => {
    const mac = macWith(KEY)
    expect(Object.keys(mac)).toEqual([])
    expect(JSON.stringify({ mac })).toBe('{}')
  })
})
