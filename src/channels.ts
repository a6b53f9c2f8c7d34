import { topicOf } from './util/gossip.js'
import { checkName, decodeValue, encodeValue } from './values.js'
import type { Gossip } from './util/gossip.js'
import type { Value } from './values.js'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export interface ChannelsInit {
  mesh: string
  maxValueBytes: number
}

/** The mesh's pub/sub channels (`subscribe`/`publish`): one gossip topic per channel. */
export class Channels {
  private readonly gossip: Gossip
  private readonly init: ChannelsInit
  private readonly log: Logger

  constructor (components: { gossip: Gossip, logger: ComponentLogger }, init: ChannelsInit) {
    this.gossip = components.gossip
    this.init = init
    this.log = components.logger.forComponent('meshcache:channels')
  }

  /** Listens on a channel; returns the function that stops listening. */
  subscribe (channel: string, handler: (data: Value, from: string) => void): () => void {
    checkName(channel, 'channel')
    return this.gossip.subscribe(this.topic(channel), (data, from) => {
      // A bad message or a handler's throw stays here: other listeners still hear the next one.
      try {
        handler(decodeValue(data), from)
      } catch (err) {
        this.log('a message on %s from %s was not handled: %s', channel, from, (err as Error).message)
      }
    })
  }

  async publish (channel: string, data: Value): Promise<void> {
    checkName(channel, 'channel')
    await this.gossip.publish(this.topic(channel), encodeValue(data, this.init.maxValueBytes))
  }

  private topic (channel: string): string {
    return topicOf(this.init.mesh, `chan/${channel}`)
  }
}
