/**
 * How access standing maps onto gossipsub's peer score (v14, weight 1 for the
 * app-specific part). The thresholds are gossipsub's defaults, pinned here
 * because PENDING_SCORE is placed between two of them:
 * - below publishThreshold a peer is sent nothing (no publish, no mesh, no IHAVE);
 * - below graylistThreshold everything it sends is dropped unread — including
 *   its subscriptions, which gossipsub sends only once per connection, so a
 *   peer still proving the secret must stay above it or it would never be
 *   heard on any topic once verified.
 */
export const SCORE_THRESHOLDS = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 20
}

/** A peer that has not proven the mesh secret (yet): sent nothing, heard but its messages ignored. */
export const PENDING_SCORE = -60

/** Penalty points lower the score one for one: 40 (one offence) stops gossip to it, 80 graylists it. */
export function gossipScore (penaltyPoints: number, proven: boolean): number {
  return (proven ? 0 : PENDING_SCORE) - penaltyPoints
}
