import { describe, expect, it } from 'vitest'
import { checkKeyspaceOptions, resolveOptions } from '../../../src/options.js'
import { closestName, editDistance } from '../../../src/util/closest-name.js'
import type { CacheOptions, KeyspaceOptions } from '../../../src/options.js'

function refusal (check: () => unknown): { code?: string, message: string } | undefined {
  try {
    check()
    return undefined
  } catch (err) {
    return err as { code?: string, message: string }
  }
}

const TOP_LEVEL = 'mesh, bootstrap, discovery, persist, listen, replicas, virtualIds, weight, role, nearCache, defaultTtlMs, maxValueBytes, heartbeatMs, missedHeartbeats, requestTimeoutMs, leaseTimeoutMs, secret, limits, libp2p'

describe('closestName', () => {
  it('counts insertions, deletions, substitutions and swaps as one edit each', () => {
    expect(editDistance('', '')).toBe(0)
    expect(editDistance('replica', 'replicas')).toBe(1)
    expect(editDistance('weigth', 'weight')).toBe(1)
    expect(editDistance('maxEntrys', 'maxEntries')).toBe(2)
    expect(editDistance('ttl', '')).toBe(3)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('ignores case, and finds nothing past a third of the longer name', () => {
    expect(closestName('maxinflightperpeer', ['maxInFlightPerPeer', 'maxInvalidationsPerSecond'])).toBe('maxInFlightPerPeer')
    expect(closestName('ttl', ['maxBytes', 'ttlMs', 'load'])).toBe('ttlMs')
    expect(closestName('ttl', ['defaultTtlMs', 'mesh', 'role'])).toBeUndefined()
    expect(closestName('x', ['mesh'])).toBeUndefined()
  })
})

describe('resolveOptions: unknown names', () => {
  it('{ replica: 3 } suggests replicas', () => {
    const err = refusal(() => resolveOptions({ replica: 3 } as CacheOptions))
    expect(err?.code).toBe('ERR_INVALID_OPTION')
    expect(err?.message).toBe('unknown option "replica": did you mean "replicas"?')
  })

  it('nearCache.maxEntrys suggests nearCache.maxEntries', () => {
    const err = refusal(() => resolveOptions({ nearCache: { maxEntrys: 5 } } as CacheOptions))
    expect(err?.code).toBe('ERR_INVALID_OPTION')
    expect(err?.message).toBe('unknown option "nearCache.maxEntrys": did you mean "nearCache.maxEntries"?')
  })

  it('limits.maxInflightPerPeer suggests limits.maxInFlightPerPeer', () => {
    const err = refusal(() => resolveOptions({ limits: { maxInflightPerPeer: 8 } } as CacheOptions))
    expect(err?.code).toBe('ERR_INVALID_OPTION')
    expect(err?.message).toBe('unknown option "limits.maxInflightPerPeer": did you mean "limits.maxInFlightPerPeer"?')
  })

  it('{ ttl: 5 } is close to no name: the message lists them all', () => {
    const err = refusal(() => resolveOptions({ ttl: 5 } as CacheOptions))
    expect(err?.code).toBe('ERR_INVALID_OPTION')
    expect(err?.message).toBe(`unknown option "ttl"; the known ones are ${TOP_LEVEL}`)
    expect(refusal(() => resolveOptions({ nearCache: { size: 5 } } as CacheOptions))?.message)
      .toBe('unknown option "nearCache.size"; the known ones are nearCache.maxEntries, nearCache.maxStalenessMs')
  })

  it('an unknown name is refused whatever its value, undefined too', () => {
    expect(refusal(() => resolveOptions({ replica: undefined } as CacheOptions))?.code).toBe('ERR_INVALID_OPTION')
    expect(refusal(() => resolveOptions(JSON.parse('{"__proto__": {}}') as CacheOptions))?.code).toBe('ERR_INVALID_OPTION')
  })

  it('never echoes the secret', () => {
    const secret = 'hunter2-' + 'x'.repeat(20)
    for (const options of [{ secret, secrett: secret }, { secret, ttl: secret }, { secret, nearCache: { maxEntrys: secret } }]) {
      const err = refusal(() => resolveOptions(options as CacheOptions))
      expect(err?.code).toBe('ERR_INVALID_OPTION')
      expect(err?.message).not.toContain('hunter2')
    }
  })

  it.each([
    ['nearCache', 5], ['nearCache', 'big'], ['nearCache', [1]], ['nearCache', true],
    ['limits', 7], ['limits', []], ['libp2p', 'tcp'], ['libp2p', 1]
  ])('refuses %s: %j (not an object)', (group, value) => {
    const err = refusal(() => resolveOptions({ [group]: value } as CacheOptions))
    expect(err?.code).toBe('ERR_INVALID_OPTION')
    expect(err?.message).toBe(`${group} must be an object`)
  })

  it('refuses options that are not an object', () => {
    for (const options of [null, 5, 'mesh', [], () => {}]) {
      expect(refusal(() => resolveOptions(options as unknown as CacheOptions))?.message).toBe('options must be an object')
    }
  })

  it('leaves libp2p unchecked inside, and null or undefined groups default', () => {
    const libp2p = { anything: 1, connectionManager: { maxConnections: 10 }, services: {} } as unknown as CacheOptions['libp2p']
    expect(resolveOptions({ libp2p }).libp2p).toBe(libp2p)
    const resolved = resolveOptions({ nearCache: null, limits: undefined, libp2p: null } as unknown as CacheOptions)
    expect(resolved.nearCache).toEqual({ maxEntries: 10_000, maxStalenessMs: 5_000 })
    expect(resolved.limits).toEqual({ maxInFlightPerPeer: 1024, maxInvalidationsPerSecond: 500_000 })
    expect(resolved.libp2p).toEqual({})
  })

  it('accepts every known option at once', () => {
    const options: Required<CacheOptions> = {
      mesh: 'orders',
      bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWExample'],
      discovery: { dns: ['meshcache.default.svc.cluster.local:4001', 'peers.test'], mdns: true, intervalMs: 5_000, resolve: async () => [] },
      persist: { path: '/var/lib/meshcache' },
      listen: ['/ip4/127.0.0.1/tcp/0'],
      replicas: 3,
      virtualIds: 16,
      weight: 2,
      role: 'client',
      nearCache: { maxEntries: 5, maxStalenessMs: 100 },
      defaultTtlMs: 60_000,
      maxValueBytes: 4096,
      heartbeatMs: 250,
      missedHeartbeats: 4,
      requestTimeoutMs: 2_000,
      leaseTimeoutMs: 3_000,
      secret: 'a mesh secret',
      limits: { maxInFlightPerPeer: 8, maxInvalidationsPerSecond: 1000 },
      libp2p: {}
    }
    expect(Object.keys(options).join(', ')).toBe(TOP_LEVEL)
    const resolved = resolveOptions(options)
    const { secret: _secret, ...rest } = options
    expect(resolved).toEqual(rest)
  })
})

describe('checkKeyspaceOptions', () => {
  it('{ ttl: 5 } suggests ttlMs', () => {
    const err = refusal(() => { checkKeyspaceOptions({ ttl: 5 }) })
    expect(err?.code).toBe('ERR_INVALID_OPTION')
    expect(err?.message).toBe('unknown keyspace option "ttl": did you mean "ttlMs"?')
  })

  it('lists the names when none is close', () => {
    expect(refusal(() => { checkKeyspaceOptions({ loader: undefined, evict: 'lru' }) })?.message).toBe('unknown keyspace option "loader": did you mean "load"?')
    expect(refusal(() => { checkKeyspaceOptions({ evict: 'lru' }) })?.message)
      .toBe('unknown keyspace option "evict"; the known ones are maxBytes, ttlMs, load, missTtlMs, staleMs')
  })

  it('accepts every known option, none, and an empty object', () => {
    const options: Required<KeyspaceOptions> = { maxBytes: 1024, ttlMs: 1000, load: () => 1, missTtlMs: 10, staleMs: 0 }
    expect(() => { checkKeyspaceOptions(options) }).not.toThrow()
    expect(() => { checkKeyspaceOptions(undefined) }).not.toThrow()
    expect(() => { checkKeyspaceOptions({}) }).not.toThrow()
    expect(() => { checkKeyspaceOptions({ ttlMs: undefined, load: undefined }) }).not.toThrow()
  })

  it.each([
    ['ttlMs', -1, 'ERR_INVALID_TTL'], ['missTtlMs', 1.5, 'ERR_INVALID_TTL'], ['staleMs', '10', 'ERR_INVALID_TTL'],
    ['maxBytes', 0, 'ERR_INVALID_OPTION'], ['maxBytes', 2 ** 53, 'ERR_INVALID_OPTION'], ['load', 'fetch', 'ERR_INVALID_OPTION']
  ])('refuses %s: %j with %s', (name, value, code) => {
    const err = refusal(() => { checkKeyspaceOptions({ [name]: value }) })
    expect(err?.code).toBe(code)
    expect(err?.message).toContain(name)
  })

  it('refuses keyspace options that are not an object', () => {
    for (const options of [null, 5, 'ttlMs', []]) {
      const err = refusal(() => { checkKeyspaceOptions(options) })
      expect(err?.code).toBe('ERR_INVALID_OPTION')
      expect(err?.message).toBe('keyspace options must be an object')
    }
  })
})
