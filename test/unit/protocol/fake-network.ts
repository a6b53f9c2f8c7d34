import { defaultLogger } from '@libp2p/logger'
import { expect } from 'vitest'
import { streamPair } from '../fakes.js'
import type { RpcComponents } from '../../../src/protocol/rpc.js'
import type { FakeStream } from '../fakes.js'
import type { Connection, Stream } from '@libp2p/interface'

type Handler = (data: { stream: Stream, connection: Connection }) => void

/** Peers that open streams to each other in memory. */
export class FakeNetwork {
  readonly handlers = new Map<string, Map<string, Handler>>()
  readonly opened: Array<{ from: string, to: string, ends: [FakeStream, FakeStream] }> = []
  unreachable = new Set<string>()

  components (self: string): RpcComponents {
    return {
      handle: async (protocol, handler, options) => {
        expect(options?.runOnLimitedConnection).toBe(true)
        const mine = this.handlers.get(self) ?? new Map<string, Handler>()
        mine.set(protocol, handler)
        this.handlers.set(self, mine)
      },
      unhandle: async protocol => { this.handlers.get(self)?.delete(protocol) },
      openStream: async (peer, protocol) => {
        await Promise.resolve()
        const handler = this.handlers.get(peer)?.get(protocol)
        if (handler == null || this.unreachable.has(peer)) throw new Error(`no route to ${peer}`)
        const ends = streamPair()
        this.opened.push({ from: self, to: peer, ends })
        handler({ stream: ends[1].stream, connection: { remotePeer: { toString: () => self } } as unknown as Connection })
        return ends[0].stream
      },
      logger: defaultLogger()
    }
  }
}
