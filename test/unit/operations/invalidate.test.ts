import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { MAX_ITEMS_PER_NOTICE } from '../../../src/invalidation/invalidator.js'
import { invalidationRecipients, sendInvalidations, serveInvalidations } from '../../../src/operations/invalidate.js'
import { Frame, Op } from '../../../src/protocol/frame.js'
import type { InvalidationNotice } from '../../../src/invalidation/invalidator.js'

const log = defaultLogger().forComponent('test')
const entry = (key: string, version: bigint): Frame['entries'][number] => ({ keyspace: 's', key, version, value: new Uint8Array(0), expiresAt: 0n, staleAt: 0n })

describe('invalidations as INVALIDATE notices', () => {
  it('go to every member and every peer with a channel open, never to this peer', () => {
    const to = invalidationRecipients('A', { connectedPeers: () => ['B', 'X', 'A'] }, { members: () => [{ peerId: 'B' }, { peerId: 'C' }] })
    expect([...to].sort()).toEqual(['B', 'C', 'X'])
  })

  it('sends one notice per peer: the entries shared, epoch and seq its own', () => {
    const sent: Array<{ shared: Partial<Frame>, each: Array<[string, Partial<Frame>]> }> = []
    sendInvalidations({ notifyMany: (shared, each) => { sent.push({ shared, each }) } },
      [{ keyspace: 's', key: 'a', version: 5n }],
      [{ peer: 'B', epoch: 7n, seq: 1n }, { peer: 'C', epoch: 8n, seq: 3n }])
    expect(sent).toHaveLength(1)
    expect(sent[0].shared.op).toBe(Op.INVALIDATE)
    expect(sent[0].shared.entries).toEqual([entry('a', 5n)])
    expect(sent[0].each).toEqual([['B', { epoch: 7n, seq: 1n }], ['C', { epoch: 8n, seq: 3n }]])
  })

  it('hands a notice to the invalidator as its items, and drops one over the item bound', () => {
    let handler: ((frame: Frame, peer: string) => void) | undefined
    const received: Array<[string, InvalidationNotice]> = []
    serveInvalidations({ onNotice: (op, h) => { if (op === Op.INVALIDATE) handler = h } },
      { receive: (owner, notice) => { received.push([owner, notice]) } }, log)
    const frame = (entries: Frame['entries']): Frame => Frame.decode(Frame.encode({ id: 0, op: Op.INVALIDATE, epoch: 9n, seq: 2n, entries }))
    handler!(frame([entry('a', 1n), entry('b', 2n)]), 'A')
    handler!(frame(Array.from({ length: MAX_ITEMS_PER_NOTICE + 1 }, (_, i) => entry(`k${i}`, 1n))), 'A')
    expect(received).toEqual([['A', { epoch: 9n, seq: 2n, items: [{ keyspace: 's', key: 'a', version: 1n }, { keyspace: 's', key: 'b', version: 2n }] }]])
  })
})
