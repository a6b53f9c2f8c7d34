/**
 * The slice of gossipsub that membership and pub/sub channels
 * use. The libp2p adapter lives in src/libp2p.ts; unit tests pass a fake.
 * `from` is the origin's peer id as its envelope names it (with a mesh
 * secret, a member made the message: util/envelope.ts); `via` is the peer
 * that handed it over, authenticated by the connection.
 */
export type GossipHandler = (data: Uint8Array, from: string, via: string) => void

export interface Gossip {
  publish: (topic: string, data: Uint8Array) => Promise<void>
  /** Subscribes and returns the function that unsubscribes this handler. */
  subscribe: (topic: string, handler: GossipHandler) => () => void
}

export function topicOf (mesh: string, name: string): string {
  return `meshcache/${mesh}/${name}`
}
