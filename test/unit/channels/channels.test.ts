import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { Channels } from '../../../src/channels.js'
import { ErrorCodes } from '../../../src/errors.js'
import { topicOf } from '../../../src/util/gossip.js'
import { FakeGossipBus, turns } from '../fakes.js'
import type { Value } from '../../../src/values.js'

const MESH = 'm'
const MAX_VALUE_BYTES = 64

function channelsOf (bus: FakeGossipBus, peer: string): Channels {
  return new Channels({ gossip: bus.peer(peer), logger: defaultLogger() }, { mesh: MESH, maxValueBytes: MAX_VALUE_BYTES })
}

interface Heard { data: Value, from: string }

function listener (): { heard: Heard[], handler: (data: Value, from: string) => void } {
  const heard: Heard[] = []
  return { heard, handler: (data, from) => { heard.push({ data, from }) } }
}

describe('Channels', () => {
  it('delivers what one peer publishes to a subscriber on another, decoded, with its sender', async () => {
    const bus = new FakeGossipBus()
    const a = channelsOf(bus, 'A')
    const b = channelsOf(bus, 'B')
    const l = listener()
    b.subscribe('news', l.handler)
    await a.publish('news', { n: 1, tags: ['x', 'y'], ok: true, none: null })
    await a.publish('news', Uint8Array.of(1, 2, 3))
    await a.publish('news', 'plain')
    await turns()
    expect(l.heard).toEqual([
      { data: { n: 1, tags: ['x', 'y'], ok: true, none: null }, from: 'A' },
      { data: Uint8Array.of(1, 2, 3), from: 'A' },
      { data: 'plain', from: 'A' }
    ])
    expect(l.heard[1].data).toBeInstanceOf(Uint8Array)
    // One gossip topic per channel, under the mesh.
    expect(bus.on(topicOf(MESH, 'chan/news'), 'A')).toHaveLength(3)
  })

  it('keeps channels apart', async () => {
    const bus = new FakeGossipBus()
    const a = channelsOf(bus, 'A')
    const b = channelsOf(bus, 'B')
    const news = listener()
    const sport = listener()
    b.subscribe('news', news.handler)
    b.subscribe('sport', sport.handler)
    await a.publish('sport', 'goal')
    await turns()
    expect(news.heard).toEqual([])
    expect(sport.heard).toEqual([{ data: 'goal', from: 'A' }])
  })

  it('stops delivering once unsubscribed', async () => {
    const bus = new FakeGossipBus()
    const a = channelsOf(bus, 'A')
    const b = channelsOf(bus, 'B')
    const l = listener()
    const stop = b.subscribe('news', l.handler)
    await a.publish('news', 1)
    await turns()
    expect(l.heard).toHaveLength(1)
    stop()
    expect(bus.subscribers(topicOf(MESH, 'chan/news'))).toBe(0)
    await a.publish('news', 2)
    await turns()
    expect(l.heard).toEqual([{ data: 1, from: 'A' }])
  })

  it('a handler that throws does not stop the next message reaching another handler', async () => {
    const bus = new FakeGossipBus()
    const a = channelsOf(bus, 'A')
    const b = channelsOf(bus, 'B')
    const c = channelsOf(bus, 'C')
    let thrown = 0
    b.subscribe('news', () => { thrown++; throw new Error('handler bug') })
    const l = listener()
    c.subscribe('news', l.handler)
    await a.publish('news', 'first')
    await turns()
    await a.publish('news', 'second')
    await turns()
    expect(thrown).toBe(2)
    expect(l.heard.map(h => h.data)).toEqual(['first', 'second'])
  })

  it('a message that does not decode is dropped; the next one still arrives', async () => {
    const bus = new FakeGossipBus()
    const a = channelsOf(bus, 'A')
    const b = channelsOf(bus, 'B')
    const l = listener()
    b.subscribe('news', l.handler)
    // Unknown tag 9, then a JSON tag over broken JSON, straight on the topic.
    await bus.peer('X').publish(topicOf(MESH, 'chan/news'), Uint8Array.of(9, 1))
    await bus.peer('X').publish(topicOf(MESH, 'chan/news'), Uint8Array.of(0, 0x7b))
    await a.publish('news', 'fine')
    await turns()
    expect(l.heard).toEqual([{ data: 'fine', from: 'A' }])
  })

  it('rejects a bad channel name with ERR_INVALID_OPTION, publishing nothing', async () => {
    const bus = new FakeGossipBus()
    const a = channelsOf(bus, 'A')
    for (const name of ['', 'has space', 'slash/y', '.dot-first', 'x'.repeat(129)]) {
      await expect(a.publish(name, 1)).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION })
      expect(() => a.subscribe(name, () => {})).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }))
    }
    expect(bus.published).toEqual([])
    // The longest name allowed is fine.
    await expect(a.publish('x'.repeat(128), 1)).resolves.toBeUndefined()
  })

  it('rejects a value over maxValueBytes with ERR_VALUE_TOO_LARGE, publishing nothing', async () => {
    const bus = new FakeGossipBus()
    const a = channelsOf(bus, 'A')
    await expect(a.publish('news', new Uint8Array(MAX_VALUE_BYTES + 1))).rejects.toMatchObject({ code: ErrorCodes.VALUE_TOO_LARGE })
    // A string of 63 characters is 65 bytes of JSON.
    await expect(a.publish('news', 'x'.repeat(MAX_VALUE_BYTES - 1))).rejects.toMatchObject({ code: ErrorCodes.VALUE_TOO_LARGE })
    expect(bus.published).toEqual([])
    await expect(a.publish('news', new Uint8Array(MAX_VALUE_BYTES))).resolves.toBeUndefined()
    expect(bus.published).toHaveLength(1)
  })

  it('rejects a value JSON cannot carry exactly with ERR_NOT_SERIALIZABLE', async () => {
    const bus = new FakeGossipBus()
    const a = channelsOf(bus, 'A')
    await expect(a.publish('news', Number.NaN)).rejects.toMatchObject({ code: ErrorCodes.NOT_SERIALIZABLE })
    expect(bus.published).toEqual([])
  })
})
