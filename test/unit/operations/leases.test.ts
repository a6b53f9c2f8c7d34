import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ErrorCodes, MeshCacheError } from '../../../src/errors.js'
import { LeaseTable } from '../../../src/operations/leases.js'
import type { Frame } from '../../../src/protocol/frame.js'

type Outcome = { state: 'pending' } | { state: 'resolved', value: Partial<Frame> } | { state: 'rejected', err: Error }

/** Tracks a promise's outcome without ever leaving a rejection unhandled. */
function track (promise: Promise<Partial<Frame>>): { readonly outcome: Outcome } {
  const box: { outcome: Outcome } = { outcome: { state: 'pending' } }
  promise.then(value => { box.outcome = { state: 'resolved', value } }, (err: Error) => { box.outcome = { state: 'rejected', err } })
  return box
}

const flush = async (): Promise<void> => { await vi.advanceTimersByTimeAsync(0) }
const codeOf = (o: Outcome): string | undefined => o.state === 'rejected' ? (o.err as MeshCacheError).code : undefined
const entry: Partial<Frame> = { entries: [{ keyspace: 's', key: 'k', value: new Uint8Array([1]), version: 3n, expiresAt: 0n, staleAt: 0n }] }

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('LeaseTable', () => {
  it('grants the first asker a token and makes the next askers wait for its fill', async () => {
    const table = new LeaseTable(1000)
    const first = await table.acquire('k', 'p1', true, 5000)
    expect(typeof first.lease).toBe('bigint')
    expect(table.holds('k', first.lease as bigint)).toBe(true)
    expect(table.size).toBe(1)

    const second = track(table.acquire('k', 'p2', true, 5000))
    const third = track(table.acquire('k', 'p3', false, 5000))
    await flush()
    expect(second.outcome.state).toBe('pending')
    expect(third.outcome.state).toBe('pending')

    table.fill('k', entry)
    await flush()
    expect(second.outcome).toEqual({ state: 'resolved', value: entry })
    expect(third.outcome).toEqual({ state: 'resolved', value: entry })
    expect(table.size).toBe(0)
    expect(table.holds('k', first.lease as bigint)).toBe(false)
    expect(vi.getTimerCount()).toBe(0) // lease and waiter timers are cleared
  })

  it('gives every lease a distinct token and keeps keys apart', async () => {
    const table = new LeaseTable(1000)
    const a = await table.acquire('a', 'p1', true, 100)
    const b = await table.acquire('b', 'p1', true, 100)
    expect(a.lease).not.toBe(b.lease)
    expect(table.holds('a', b.lease as bigint)).toBe(false)
    expect(table.size).toBe(2)
    table.fill('a', {})
    const again = await table.acquire('a', 'p2', true, 100)
    expect(again.lease).not.toBe(a.lease)
    expect(table.holds('b', b.lease as bigint)).toBe(true)
  })

  it('answers a non-loader asker with {} when no lease is out', async () => {
    const table = new LeaseTable(1000)
    expect(await table.acquire('k', 'p1', false, 5000)).toEqual({})
    expect(table.size).toBe(0)
  })

  it('fill() with a miss answers waiters with {}', async () => {
    const table = new LeaseTable(1000)
    await table.acquire('k', 'p1', true, 5000)
    const waiter = track(table.acquire('k', 'p2', false, 5000))
    table.fill('k', {})
    await flush()
    expect(waiter.outcome).toEqual({ state: 'resolved', value: {} })
  })

  it('fail() rejects every waiter with the loader error', async () => {
    const table = new LeaseTable(1000)
    await table.acquire('k', 'p1', true, 5000)
    const w1 = track(table.acquire('k', 'p2', true, 5000))
    const w2 = track(table.acquire('k', 'p3', false, 5000))
    const err = new MeshCacheError(ErrorCodes.LOADER_FAILED, 'db down')
    table.fail('k', err)
    await flush()
    expect(w1.outcome).toEqual({ state: 'rejected', err })
    expect(w2.outcome).toEqual({ state: 'rejected', err })
    expect(table.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('fill() and fail() of a key without a lease do nothing', () => {
    const table = new LeaseTable(1000)
    expect(() => { table.fill('nothing', {}) }).not.toThrow()
    expect(() => { table.fail('nothing', new Error('x')) }).not.toThrow()
    expect(table.size).toBe(0)
  })

  it('passes an unfilled lease to the first waiter that can load; the others wait for the heir', async () => {
    const table = new LeaseTable(1000)
    const first = await table.acquire('k', 'p1', true, 10_000)
    const reader = track(table.acquire('k', 'p2', false, 10_000))
    const heir = track(table.acquire('k', 'p3', true, 10_000))
    const next = track(table.acquire('k', 'p4', true, 10_000))
    await vi.advanceTimersByTimeAsync(999)
    expect(heir.outcome.state).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(heir.outcome.state).toBe('resolved')
    const token = (heir.outcome as { value: Partial<Frame> }).value.lease as bigint
    expect(typeof token).toBe('bigint')
    expect(token).not.toBe(first.lease)
    expect(table.holds('k', token)).toBe(true)
    expect(table.holds('k', first.lease as bigint)).toBe(false)
    expect(reader.outcome.state).toBe('pending')
    expect(next.outcome.state).toBe('pending')

    table.fill('k', entry)
    await flush()
    expect(reader.outcome).toEqual({ state: 'resolved', value: entry })
    expect(next.outcome).toEqual({ state: 'resolved', value: entry })
  })

  it('passes the lease along again when the heir does not fill either', async () => {
    const table = new LeaseTable(1000)
    await table.acquire('k', 'p1', true, 10_000)
    const heir1 = track(table.acquire('k', 'p2', true, 10_000))
    const heir2 = track(table.acquire('k', 'p3', true, 10_000))
    const reader = track(table.acquire('k', 'p4', false, 10_000))
    await vi.advanceTimersByTimeAsync(1000)
    expect(heir1.outcome.state).toBe('resolved')
    expect(heir2.outcome.state).toBe('pending')
    await vi.advanceTimersByTimeAsync(1000)
    expect(heir2.outcome.state).toBe('resolved')
    expect(reader.outcome.state).toBe('pending')
    await vi.advanceTimersByTimeAsync(1000)
    // No loader left: the reader gets ERR_TIMEOUT.
    expect(codeOf(reader.outcome)).toBe('ERR_TIMEOUT')
    expect(table.size).toBe(0)
  })

  it('rejects every waiter with ERR_TIMEOUT when no waiter can load', async () => {
    const table = new LeaseTable(1000)
    await table.acquire('k', 'p1', true, 10_000)
    const w1 = track(table.acquire('k', 'p2', false, 10_000))
    const w2 = track(table.acquire('k', 'p3', false, 10_000))
    await vi.advanceTimersByTimeAsync(1000)
    expect(codeOf(w1.outcome)).toBe('ERR_TIMEOUT')
    expect(codeOf(w2.outcome)).toBe('ERR_TIMEOUT')
    expect(table.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    // The next asker able to load gets a fresh lease.
    expect(typeof (await table.acquire('k', 'p4', true, 100)).lease).toBe('bigint')
  })

  it('a late fill by the expired holder reaches nobody waiting on the heir', async () => {
    const table = new LeaseTable(1000)
    const first = await table.acquire('k', 'p1', true, 10_000)
    const heir = track(table.acquire('k', 'p2', true, 10_000))
    const reader = track(table.acquire('k', 'p3', false, 10_000))
    await vi.advanceTimersByTimeAsync(1000)
    // The caller checks holds() before filling: the old token is no longer valid.
    expect(table.holds('k', first.lease as bigint)).toBe(false)
    expect(heir.outcome.state).toBe('resolved')
    expect(reader.outcome.state).toBe('pending')
  })

  it("a waiter's own waitMs ends only that waiter", async () => {
    const table = new LeaseTable(10_000)
    await table.acquire('k', 'p1', true, 10_000)
    const impatient = track(table.acquire('k', 'p2', true, 500))
    const patient = track(table.acquire('k', 'p3', false, 5000))
    await vi.advanceTimersByTimeAsync(499)
    expect(impatient.outcome.state).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(codeOf(impatient.outcome)).toBe('ERR_TIMEOUT')
    expect(patient.outcome.state).toBe('pending')
    expect(table.size).toBe(1)
    table.fill('k', entry)
    await flush()
    expect(patient.outcome).toEqual({ state: 'resolved', value: entry })
  })

  it('a waiter that gave up is not chosen as heir', async () => {
    const table = new LeaseTable(1000)
    await table.acquire('k', 'p1', true, 10_000)
    const gone = track(table.acquire('k', 'p2', true, 200))
    const heir = track(table.acquire('k', 'p3', true, 10_000))
    await vi.advanceTimersByTimeAsync(1000)
    expect(codeOf(gone.outcome)).toBe('ERR_TIMEOUT')
    expect(heir.outcome.state).toBe('resolved')
    expect(typeof (heir.outcome as { value: Partial<Frame> }).value.lease).toBe('bigint')
  })

  it("a waiter's waitMs still applies after the lease passed to an heir", async () => {
    const table = new LeaseTable(1000)
    await table.acquire('k', 'p1', true, 10_000)
    const heir = track(table.acquire('k', 'p2', true, 10_000))
    const reader = track(table.acquire('k', 'p3', false, 1500))
    await vi.advanceTimersByTimeAsync(1000)
    expect(heir.outcome.state).toBe('resolved')
    await vi.advanceTimersByTimeAsync(500)
    expect(codeOf(reader.outcome)).toBe('ERR_TIMEOUT')
    expect(table.size).toBe(1) // the heir still holds the lease
  })

  it('a waiter that gave up after the lease passed on is not chosen as the next heir', async () => {
    const table = new LeaseTable(1000)
    await table.acquire('k', 'p1', true, 10_000)
    const heir1 = track(table.acquire('k', 'p2', true, 10_000))
    const gone = track(table.acquire('k', 'p3', true, 1500))
    const heir2 = track(table.acquire('k', 'p4', true, 10_000))
    await vi.advanceTimersByTimeAsync(1000)
    expect(heir1.outcome.state).toBe('resolved')
    await vi.advanceTimersByTimeAsync(500)
    expect(codeOf(gone.outcome)).toBe('ERR_TIMEOUT')
    await vi.advanceTimersByTimeAsync(500)
    expect(heir2.outcome.state).toBe('resolved')
    const token = (heir2.outcome as { value: Partial<Frame> }).value.lease as bigint
    expect(table.holds('k', token)).toBe(true)
  })

  it('clear() rejects every waiter of every key with ERR_CLOSED', async () => {
    const table = new LeaseTable(1000)
    await table.acquire('a', 'p1', true, 10_000)
    await table.acquire('b', 'p1', true, 10_000)
    const wa = track(table.acquire('a', 'p2', false, 10_000))
    const wb = track(table.acquire('b', 'p3', true, 10_000))
    table.clear()
    await flush()
    expect(codeOf(wa.outcome)).toBe('ERR_CLOSED')
    expect(codeOf(wb.outcome)).toBe('ERR_CLOSED')
    expect(table.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    // Tokens 1 and 2 were out: the next lease is numbered from 1 again.
    expect((await table.acquire('c', 'p1', true, 10_000)).lease).toBe(1n)
  })
})
