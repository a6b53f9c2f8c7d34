/** ListenedTypes: whether anyone listens for an event type, erring on "yes". */
import { describe, expect, it } from 'vitest'
import { ListenedTypes } from '../../../src/util/listened.js'

describe('ListenedTypes', () => {
  it('counts a type listened for until its last listener is removed', () => {
    const types = new ListenedTypes()
    const one = (): void => {}
    const two = { handleEvent: (): void => {} }
    expect(types.has('invalidate')).toBe(false)
    types.added('invalidate', one)
    types.added('invalidate', one) // added twice, as EventTarget, is there once
    types.added('invalidate', two)
    types.removed('invalidate', one)
    expect(types.has('invalidate')).toBe(true)
    types.removed('invalidate', two)
    expect(types.has('invalidate')).toBe(false)
    expect(types.has('member:join')).toBe(false)
  })

  it('a listener that may leave on its own (once, an abort signal) counts for good; a null one not at all', () => {
    const types = new ListenedTypes()
    types.added('a', null)
    expect(types.has('a')).toBe(false)
    types.added('a', () => {}, { once: true })
    types.added('b', () => {}, { signal: new AbortController().signal })
    expect([types.has('a'), types.has('b')]).toEqual([true, true])
  })
})
