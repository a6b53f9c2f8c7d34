import type { ConnectionGater, PeerId } from '@libp2p/interface'

/**
 * Connection gater hooks that refuse a banned peer every way it could come
 * back: dialled by us, dialling us, or through a relay (ours or another's).
 * The libp2p stack composes these with the platform's own hooks.
 */
export function banGater (banned: (peer: string) => boolean): ConnectionGater {
  const deny = (peer: PeerId): boolean => banned(peer.toString())
  return {
    denyDialPeer: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
    denyInboundRelayReservation: deny,
    denyOutboundRelayedConnection: (source, destination) => deny(source) || deny(destination),
    denyInboundRelayedConnection: (relay, remote) => deny(relay) || deny(remote)
  }
}
