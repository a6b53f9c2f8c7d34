import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../../src/options.js'

function refusal (options: Record<string, unknown>): { code?: string, message: string } | undefined {
  try {
    resolveOptions(options)
    return undefined
  } catch (err) {
    return err as { code?: string, message: string }
  }
}

describe('resolveOptions: secret and limits', () => {
  it('accepts a secret as a string or bytes, and keeps it out of the resolved options', () => {
    for (const secret of ['s3cret', new Uint8Array(32).fill(9)]) {
      const resolved = resolveOptions({ secret })
      expect(Object.values(resolved)).not.toContain(secret)
      expect(JSON.stringify(resolved)).not.toContain('s3cret')
    }
  })

  it.each([
    ['an empty string', ''],
    ['an empty byte array', new Uint8Array(0)],
    ['a number', 12345],
    ['an object', { key: 'x' }],
    ['over 1024 bytes', 'x'.repeat(1025)]
  ])('refuses %s as a secret with ERR_INVALID_OPTION, never echoing it', (_what, secret) => {
    const err = refusal({ secret })
    expect(err?.code).toBe('ERR_INVALID_OPTION')
    if (typeof secret === 'string' && secret.length > 0) expect(err?.message).not.toContain(secret)
    expect(err?.message).not.toContain('12345')
  })

  it('defaults the limits and checks them', () => {
    expect(resolveOptions({}).limits).toEqual({ maxInFlightPerPeer: 1024, maxInvalidationsPerSecond: 500_000 })
    expect(resolveOptions({ limits: { maxInFlightPerPeer: 8 } }).limits).toEqual({ maxInFlightPerPeer: 8, maxInvalidationsPerSecond: 500_000 })
    for (const limits of [{ maxInFlightPerPeer: 0 }, { maxInFlightPerPeer: 1.5 }, { maxInvalidationsPerSecond: -1 }, { maxInvalidationsPerSecond: '10' }, 7]) {
      expect(refusal({ limits })?.code).toBe('ERR_INVALID_OPTION')
    }
  })
})

describe('resolveOptions: persist', () => {
  it('takes { path } (Node) or a boolean (browsers); false is off', () => {
    expect(resolveOptions({ persist: { path: '/var/lib/meshcache' } }).persist).toEqual({ path: '/var/lib/meshcache' })
    expect(resolveOptions({ persist: true }).persist).toBe(true)
    expect(resolveOptions({ persist: false }).persist).toBeUndefined()
    expect(resolveOptions({}).persist).toBeUndefined()
  })

  it('refuses anything else with ERR_INVALID_OPTION', () => {
    for (const persist of ['yes', 1, null, [], { path: '' }, { path: 5 }, { dir: '/x' }]) {
      expect(() => resolveOptions({ persist } as never), JSON.stringify(persist)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
    }
  })
})
