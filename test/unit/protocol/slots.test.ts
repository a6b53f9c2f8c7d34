import { afterEach, describe, expect, it, vi } from 'vitest'
import { PeerSlots } from '../../../src/protocol/slots.js'

afterEach(() => { vi.useRealTimers() })

describe('PeerSlots', () => {
  it('gives out `max` slots per peer, then queues in order and hands each freed slot on', async () => {
    const slots = new PeerSlots(2)
    expect(slots.tryAcquire('p')).toBe(true)
    expect(slots.tryAcquire('p')).toBe(true)
    expect(slots.tryAcquire('p')).toBe(false)
    expect(slots.tryAcquire('q')).toBe(true) // another peer has its own
    const order: number[] = []
    const waiting = [1, 2, 3].map(async n => { await slots.acquire('p', 10_000); order.push(n) })
    slots.release('p')
    slots.release('p')
    await Promise.all(waiting.slice(0, 2))
    expect(order).toEqual([1, 2])
    expect(slots.inUse('p')).toBe(2)
    // A newcomer does not jump the queue.
    expect(slots.tryAcquire('p')).toBe(false)
    slots.release('p')
    await waiting[2]
    expect(order).toEqual([1, 2, 3])
    slots.release('p')
    slots.release('p')
    expect(slots.inUse('p')).toBe(0)
  })

  it('rejects a waiter with ERR_TIMEOUT and forgets it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const slots = new PeerSlots(1)
    slots.tryAcquire('p')
    const late = slots.acquire('p', 100).then(() => 'got', (err: { code: string }) => err.code)
    vi.advanceTimersByTime(100)
    expect(await late).toBe('ERR_TIMEOUT')
    slots.release('p')
    expect(slots.inUse('p')).toBe(0)
  })

  it('clear() rejects every waiter', async () => {
    const slots = new PeerSlots(1)
    slots.tryAcquire('p')
    const waiting = slots.acquire('p', 10_000).then(() => 'got', (err: { code: string }) => err.code)
    slots.clear(Object.assign(new Error('stopped'), { code: 'ERR_CLOSED' }))
    expect(await waiting).toBe('ERR_CLOSED')
  })
})
