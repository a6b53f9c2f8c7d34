/**
 * The slice of gossipsub that membership, invalidation and pub/sub channels
 * use. The libp2p adapter lives in src/libp2p.ts; unit tests pass a fake.
 * `from` is the sender's peer id, authenticated by the message signature.
 */
export type GossipHandler = (data: Uint8Array, from: string) => void

export interface Gossip {
  publish: (topic: string, data: Uint8Array) => Promise<void>
  /** Subscribes and returns the function that unsubscribes this handler. */
  subscribe: (topic: string, handler: GossipHandler) => () => void
}

export function topicOf (mesh: string, name: string): string {
  return `meshcache/${mesh}/${name}`
}
