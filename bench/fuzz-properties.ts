/**
 * The fuzzing properties, shared by test/fuzz (fixed seeds, few runs) and
 * bench/fuzz.ts (1 M cases):
 *   decoder   FrameDecoder on hostile byte streams cut at random points
 *   roundtrip FrameDecoder on well-formed streams gives back the frames sent
 *   handlers  every request handler, through the Rpc's dispatch or a stream
 *   channel   garbage on one peer's stream resets it; other peers still work
 * A property throws (an AssertionError or the offending error) on a violation.
 */
import { strict as assert } from 'node:assert'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { ErrorCodes, MeshCacheError } from '../src/errors.js'
import { FrameDecoder, encodeFrame } from '../src/protocol/codec.js'
import { Frame, Op } from '../src/protocol/frame.js'
import { checkKey, checkName } from '../src/values.js'
import { turns } from '../test/unit/fakes.js'
import { concat, cuts, frameSpec, hostileStream, resolveFrame, split, validStream } from './fuzz-frames.js'
import { Harness, MAX_FRAME_BYTES } from './fuzz-harness.js'
import type { FrameSpec } from './fuzz-frames.js'
import type { FrameLimits } from '../src/protocol/codec.js'

// ---------------------------------------------------------------------------
// Decoder

/** A small bound, so forged length prefixes land on both sides of it. */
export const DECODER_LIMITS: FrameLimits = { maxFrameBytes: 4096, maxItems: 64 }
const MAX_PREFIX_BYTES = 5

/** The frames re-encoded back to back, and the first error by its code. */
interface Decoded { frames: Uint8Array, error?: string }

function decode (chunks: Uint8Array[], limits = DECODER_LIMITS): Decoded {
  const decoder = new FrameDecoder(limits)
  const frames: Uint8Array[] = []
  try {
    for (const chunk of chunks) {
      for (const frame of decoder.push(chunk)) frames.push(encodeFrame(frame))
      // A frame over the bound is refused from its prefix alone, never buffered whole.
      assert.ok(decoder.buffered < limits.maxFrameBytes + MAX_PREFIX_BYTES, `decoder holds ${decoder.buffered} bytes`)
    }
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err
    assert.ok(err instanceof MeshCacheError, `decoder threw ${String(err)}`)
    assert.ok(err.code === ErrorCodes.MALFORMED_FRAME || err.code === ErrorCodes.FRAME_TOO_LARGE, `decoder threw ${err.code}`)
    return { frames: concat(...frames), error: err.code }
  }
  return { frames: concat(...frames) }
}

/** Hostile bytes: typed errors only, bounded memory, and the same outcome however the bytes are cut. */
export const decoderProperty = fc.property(hostileStream, cuts, (bytes, fractions) => {
  const whole = decode([bytes])
  const pieces = decode(split(bytes, fractions))
  if (pieces.error !== whole.error || Buffer.compare(pieces.frames, whole.frames) !== 0) assert.deepEqual(pieces, whole)
})

/** Well-formed bytes, cut anywhere: exactly the frames that were sent, no error. */
export const roundTripProperty = fc.property(validStream, cuts, (bytes, fractions) => {
  const { frames, error } = decode(split(bytes, fractions), { maxFrameBytes: MAX_FRAME_BYTES, maxItems: 100_000 })
  assert.equal(error, undefined)
  if (Buffer.compare(frames, bytes) !== 0) assert.deepEqual(frames, bytes)
})

// ---------------------------------------------------------------------------
// Process-wide signs of trouble

let unhandled: unknown[] = []
let warnings: Error[] = []
/** Warnings that mean a wire value reached a timer or an emitter unchecked. */
const WATCHED = new Set(['TimeoutOverflowWarning', 'MaxListenersExceededWarning'])

function onUnhandled (reason: unknown): void { unhandled.push(reason) }
function onWarning (warning: Error): void { if (WATCHED.has(warning.name)) warnings.push(warning) }

/** Installs the listeners once; they stay for the process (cheap, and late events still count). */
let watching = false
function watchProcess (): void {
  if (watching) return
  watching = true
  process.on('unhandledRejection', onUnhandled)
  process.on('warning', onWarning)
}

/** Fails with whatever went unhandled or warned since the last call, after letting late events land. */
async function assertQuietProcess (): Promise<void> {
  await turns(2)
  const [rejections, warned] = [unhandled, warnings]
  unhandled = []
  warnings = []
  assert.deepEqual(rejections.map(String), [], 'unhandled rejections')
  assert.deepEqual(warned.map(w => `${w.name}: ${w.message}`), [], 'process warnings')
}

// ---------------------------------------------------------------------------
// Handlers

/** Index 0..2: a remote peer of the harness; 3: the cache itself (as `call` runs local handlers). */
const sender = fc.oneof({ arbitrary: fc.nat({ max: 2 }), weight: 8 }, { arbitrary: fc.constant(3), weight: 1 })

export interface HandlerCase {
  /** Through the Rpc's dispatch directly, or framed over a stream into the cache. */
  stream: boolean
  requests: Array<{ from: number, spec: FrameSpec }>
}

export const handlerCase: fc.Arbitrary<HandlerCase> = fc.record({
  stream: fc.oneof({ arbitrary: fc.constant(false), weight: 7 }, { arbitrary: fc.constant(true), weight: 1 }),
  requests: fc.array(fc.record({ from: sender, spec: frameSpec, follows: fc.boolean() }), { minLength: 1, maxLength: 6 }).map(linkFills)
})

/**
 * A FILL that `follows` fills the lease the last LEASE before it most likely
 * got: same sender, keyspace and keys, the token a fresh table grants it.
 * Left to chance, a FILL almost never names a live lease.
 */
function linkFills (requests: Array<HandlerCase['requests'][number] & { follows: boolean }>): HandlerCase['requests'] {
  let grants = 0
  let lease: HandlerCase['requests'][number] | undefined
  return requests.map(({ from, spec, follows }) => {
    const { frame } = spec
    if (frame.op === Op.LEASE) {
      if (frame.canLoad === true) grants++
      lease = { from, spec }
    }
    if (frame.op !== Op.FILL || !follows || lease == null) return { from, spec }
    const { keyspace, keys } = lease.spec.frame
    return { from: lease.from, spec: { ...spec, frame: { ...frame, keyspace, keys, lease: BigInt(grants) } } }
  })
}

/** Longest a case may take to settle: leases pass on after 5 ms, requests time out after 200 ms. */
const SETTLE_MS = 3_000
const EMPTY = Frame.decode(new Uint8Array(0))
const U64_MAX = (1n << 64n) - 1n

async function settled<T> (work: Array<Promise<T>>): Promise<Array<PromiseSettledResult<T>>> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new assert.AssertionError({ message: `a request did not settle within ${SETTLE_MS} ms` })) }, SETTLE_MS)
  })
  try {
    return await Promise.race([Promise.allSettled(work), late])
  } finally {
    clearTimeout(timer)
  }
}

/** The frame as a Channel sends it and the other end's decoder hands it on. */
function onTheWire (frame: Partial<Frame>): Frame {
  const [decoded] = new FrameDecoder({ maxFrameBytes: Infinity, maxItems: Infinity }).push(encodeFrame(frame))
  return decoded
}

/** A reply must survive the wire as it is: no field wrapped, dropped or garbled. */
function assertWireExact (reply: Partial<Frame>): void {
  const full = { ...EMPTY, ...reply, response: true }
  const back = onTheWire(full)
  if (!isDeepStrictEqual({ ...back }, full)) assert.fail(`reply changes on the wire: ${inspectFrame(full)} became ${inspectFrame(back)}`)
}

function inspectFrame (frame: Partial<Frame>): string {
  return JSON.stringify(frame, (_k, v: unknown) => typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v)
}

function assertTyped (reason: unknown, allowed?: (code: string) => boolean): void {
  assert.ok(reason instanceof MeshCacheError, `untyped rejection: ${String((reason as Error)?.stack ?? reason)}`)
  assert.ok(allowed == null || allowed(reason.code), `rejection with ${reason.code}: ${reason.message}`)
}

/** Cases share a harness, reset in between; a new one every FRESH_EVERY cases and after a failure. */
const FRESH_EVERY = 5_000
let shared: { harness: Harness, uses: number } | undefined

async function withHarness (run: (h: Harness) => Promise<void>): Promise<void> {
  watchProcess()
  if (shared != null && shared.uses >= FRESH_EVERY) await releaseHarness()
  if (shared == null) shared = { harness: await Harness.start(), uses: 0 }
  else await shared.harness.reset()
  shared.uses++
  try {
    await run(shared.harness)
  } catch (err) {
    await releaseHarness().catch(() => {})
    // What this case left behind must not be blamed on the next one (fast-check shrinks by rerunning).
    await turns(2)
    unhandled = []
    warnings = []
    throw err
  }
  await assertQuietProcess()
}

/** Stops the shared harness (its heartbeat timer would keep the process alive). */
export async function releaseHarness (): Promise<void> {
  const h = shared?.harness
  shared = undefined
  await h?.stop()
}

/** Random requests from up to three peers; afterwards the peer must still be whole. */
export async function runHandlerCase (c: HandlerCase): Promise<void> {
  await withHarness(async h => {
    const ids = [...h.peerIds, h.cache.peerId]
    // What the Rpc sees: frames as the wire delivers them.
    const frames = c.requests.map(r => onTheWire(resolveFrame(r.spec, h.peerIds)))
    const misbehaving = h.parts.components.counters.misbehaving
    if (c.stream) {
      const links = new Map<number, ReturnType<Harness['connect']>>()
      const linkOf = (from: number): ReturnType<Harness['connect']> => {
        if (!links.has(from)) links.set(from, h.connect(ids[from]))
        return links.get(from)!
      }
      // The channel's own timeout is longer than settled()'s: a reply that never comes fails there.
      const results = await settled(frames.map(async (frame, i) => linkOf(c.requests[i].from).channel.request(frame, 2 * SETTLE_MS)))
      for (const result of results) {
        // ERR_REMOTE: a handler threw something untyped.
        if (result.status === 'rejected') assertTyped(result.reason, code => code !== ErrorCodes.REMOTE)
      }
      for (const link of links.values()) assert.equal(link.remote.aborted, undefined, 'a well-formed frame reset the stream')
      assert.equal(h.parts.components.counters.misbehaving, misbehaving, 'a well-formed frame counted as misbehaviour')
    } else {
      const results = await settled(frames.map(async (frame, i) => h.serve(frame, ids[c.requests[i].from])))
      for (const result of results) {
        if (result.status === 'fulfilled') assertWireExact(result.value)
        else assertTyped(result.reason)
      }
    }
    await assertWhole(h, c.stream)
  })
}

/**
 * The store agrees with its stats, the clock can still stamp, every entry reads
 * back typed, writes round-trip, and the Rpc serves (on a new stream when the
 * case used streams).
 */
async function assertWhole (h: Harness, streams: boolean): Promise<void> {
  const { parts: { components: { store, clock }, membership }, cache } = h
  const status = await cache.status()
  const entries = [...store.entries()]
  assert.equal(status.keys, entries.length, 'stats() disagrees with entries()')
  const stamp = clock.tick()
  assert.ok(stamp > 0n && stamp <= U64_MAX, `the clock stamps ${stamp}, which the wire cannot carry`)
  for (const [keyspace, key] of entries) {
    if (!isValid(() => { checkName(keyspace, 'keyspace'); checkKey(key) })) continue
    await cache.keyspace(keyspace).get(key).catch((err: unknown) => { assertTyped(err) })
  }
  // With the remote members gone (they cannot be reached anyway), this peer owns every key.
  for (const member of membership.members()) membership.remove(member.peerId, 'dead')
  await cache.set('fuzz:probe', { ok: [1, 'two'] })
  assert.deepEqual(await cache.get('fuzz:probe'), { ok: [1, 'two'] })
  if (streams) assert.equal((await h.connect(h.peerIds[2]).channel.request({ op: Op.PING }, SETTLE_MS)).errorCode, '')
  else assertWireExact(await h.serve(onTheWire({ op: Op.PING }), h.peerIds[2]))
}

function isValid (check: () => void): boolean {
  try { check(); return true } catch { return false }
}

export const handlersProperty = fc.asyncProperty(handlerCase, runHandlerCase)

// ---------------------------------------------------------------------------
// Channels

/** Garbage from peer 0: its stream is reset and counted iff the bytes break the framing; peer 1 is served throughout. */
export async function runChannelCase (bytes: Uint8Array, fractions: number[]): Promise<void> {
  await withHarness(async h => {
    const misbehaving = h.parts.components.counters.misbehaving
    const [bad, good] = [h.connect(h.peerIds[0]), h.connect(h.peerIds[1])]
    const expected = decode([bytes], { maxFrameBytes: MAX_FRAME_BYTES, maxItems: 100_000 }).error
    for (const chunk of split(bytes, fractions)) bad.inject(chunk)
    await turns(8)
    const pong = await good.channel.request({ op: Op.PING }, SETTLE_MS)
    assert.equal(pong.errorCode, '')
    assert.equal(bad.remote.aborted != null, expected != null, `stream reset: ${String(bad.remote.aborted)}, expected: ${String(expected)}`)
    if (bad.remote.aborted != null) assert.equal((bad.remote.aborted as MeshCacheError).code, expected, 'reset with another error than the decoder gives')
    assert.equal((await h.cache.status()).misbehavingFrames - misbehaving, expected != null ? 1 : 0)
  })
}

export const channelProperty = fc.asyncProperty(hostileStream, cuts, runChannelCase)
