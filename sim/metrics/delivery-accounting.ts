// Who should have received what, settled at the end of a run, when every node's session is known.
// Receivers of a message: nodes that had joined when it was published and are still online at
// the end (DESIGN.md). A node that left is no receiver, but what it missed while online is
// reported apart, as loss to churn, so churn is never hidden inside the delivery ratio.

import { type MetricsCollector, NO_HOPS } from './collector.ts'
import type { Membership } from './membership.ts'

export interface DeliveryAccount {
  receivers: number
  /** First receipts by receivers. */
  delivered: number
  /** Receivers x messages never received, although the receiver was online throughout. */
  lostOnline: number
  /** The part of lostOnline published before the receiver had its first neighbour: it was still joining. */
  lostWhileJoining: number
  /** Messages published while a node that later left was online, which it never received. */
  lostToChurn: number
}

export function settleDeliveries(membership: Membership, metrics: MetricsCollector): DeliveryAccount {
  const published = metrics.messagePublishedAtMs
  const publishers = new Set(metrics.messagePublisher)
  const joinedOnline: number[] = []
  let delivered = 0
  let lostToChurn = 0
  let lostWhileJoining = 0
  for (let i = 0; i < membership.nodes; i++) {
    if (!membership.hasJoined(i)) continue
    if (membership.isOnline(i)) {
      joinedOnline.push(membership.joinedAtMs[i])
      delivered += metrics.receiptsSinceJoin[i]
      // A node that never got a neighbour was joining for the whole run.
      const linkedAt = Number.isNaN(membership.firstNeighbourAtMs[i]) ? Infinity : membership.firstNeighbourAtMs[i]
      const joining = countBelow(published, linkedAt) - countBelow(published, membership.joinedAtMs[i])
      // A node's own messages are not owed to it.
      const own = publishers.has(i) ? ownIn(metrics, i, membership.joinedAtMs[i], linkedAt) : 0
      lostWhileJoining += Math.max(0, joining - own - metrics.receiptsWhileJoining[i])
    } else {
      const during = countBelow(published, membership.leftAtMs[i]) - countBelow(published, membership.joinedAtMs[i])
      lostToChurn += Math.max(0, during - metrics.receiptsSinceJoin[i])
    }
  }
  const joined = Float64Array.from(joinedOnline).sort()
  let receivers = 0
  // Publishers are online when they publish and never leave: each message has one fewer receiver.
  for (const t of published) receivers += countBelow(joined, t, true) - 1
  return { receivers, delivered, lostOnline: receivers - delivered, lostWhileJoining, lostToChurn }
}

/**
 * The delivery ratio over the messages published at or after `fromMs` (the first mass failure),
 * with deliveryRatio's receivers: nodes that had joined when the message was published and are
 * online at the end, the publisher aside. NaN when no message was published then. It reads each
 * message's first-copy table once, at the end, so it costs nothing per receipt.
 */
export function deliveryRatioSince(membership: Membership, metrics: MetricsCollector, fromMs: number): number {
  const published = metrics.messagePublishedAtMs
  const firstCopyHops = metrics.firstCopyHopsByMessage()
  const receivers: number[] = []
  for (let i = 0; i < membership.nodes; i++) if (membership.isOnline(i)) receivers.push(i)
  const joined = Float64Array.from(receivers, (i) => membership.joinedAtMs[i]).sort()
  let expected = 0
  let delivered = 0
  for (let m = 0; m < published.length; m++) {
    const t = published[m]
    if (t < fromMs) continue
    expected += countBelow(joined, t, true) - 1
    const hops = firstCopyHops[m]
    const publisher = metrics.messagePublisher[m]
    for (const i of receivers) {
      if (i !== publisher && membership.joinedAtMs[i] <= t && hops[i] !== NO_HOPS) delivered++
    }
  }
  return expected <= 0 ? NaN : delivered / expected
}

function ownIn(metrics: MetricsCollector, node: number, fromMs: number, untilMs: number): number {
  let c = 0
  metrics.messagePublisher.forEach((p, m) => {
    const t = metrics.messagePublishedAtMs[m]
    if (p === node && t >= fromMs && t < untilMs) c++
  })
  return c
}

/** Entries < x (or <= x, with `inclusive`) in an ascending list. */
function countBelow(sorted: ArrayLike<number>, x: number, inclusive = false): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] < x || (inclusive && sorted[mid] === x)) lo = mid + 1
    else hi = mid
  }
  return lo
}
