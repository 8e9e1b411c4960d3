// The message layer roles' own counters, summed over a run's nodes: key exchange, ordering and
// storage. The simulator sums its role objects; a live run's workers sum theirs and send the sums
// to the coordinator (plain numbers cross the IPC channel), which adds them up. Either way
// summary.json's messageLayer reads the same fields (message-layer-summary.ts).

import type { Publisher } from '../../core/security/publisher.ts'
import type { Subscriber } from '../../core/security/subscriber.ts'
import type { StorageNode } from '../../core/storage/storage-node.ts'

export interface MessageLayerCounts {
  rejectedAtSubscribers: number
  keyExchange: { requestsSent: number; answered: number; refused: number; invalid: number; timeouts: number; undecryptable: number; keysFromRotation: number }
  ordering: { gapsDetected: number; gapsFilled: number; gapsSkipped: number; resendRequests: number; refetchedRejected: number }
  storage: { nodes: number; stored: number; requests: number; messagesSent: number }
}

export function countRoles(subscribers: Iterable<Subscriber>, publishers: Iterable<Publisher>, storage: Iterable<StorageNode>): MessageLayerCounts {
  const subs = [...subscribers]
  const pubs = [...publishers]
  const stores = [...storage]
  const sum = <T>(items: readonly T[], f: (t: T) => number) => items.reduce((s, t) => s + f(t), 0)
  return {
    rejectedAtSubscribers: sum(subs, (s) => s.stats.rejected),
    keyExchange: {
      requestsSent: sum(subs, (s) => s.keyRequester.stats.requestsSent),
      answered: sum(pubs, (p) => p.stats.keyRequestsAnswered),
      refused: sum(pubs, (p) => p.stats.keyRequestsRefused),
      invalid: sum(pubs, (p) => p.stats.keyRequestsInvalid),
      timeouts: sum(subs, (s) => s.keyRequester.stats.timeouts),
      undecryptable: sum(subs, (s) => s.stats.undecryptable),
      keysFromRotation: sum(subs, (s) => s.stats.keysFromRotation),
    },
    ordering: {
      gapsDetected: sum(subs, (s) => s.orderingStats?.gapsDetected ?? 0),
      gapsFilled: sum(subs, (s) => s.orderingStats?.gapsFilled ?? 0),
      gapsSkipped: sum(subs, (s) => s.orderingStats?.gapsSkipped ?? 0),
      resendRequests: sum(subs, (s) => s.orderingStats?.resendRequests ?? 0),
      refetchedRejected: sum(subs, (s) => s.stats.refetched),
    },
    storage: {
      nodes: stores.length,
      stored: sum(stores, (s) => s.stats.stored),
      requests: sum(stores, (s) => s.stats.requests),
      messagesSent: sum(stores, (s) => s.stats.messagesSent),
    },
  }
}

/** Field by field sum (a live run's workers' counts). */
export function addCounts(all: readonly MessageLayerCounts[]): MessageLayerCounts {
  const add = <T extends Record<string, number>>(pick: (c: MessageLayerCounts) => T): T => {
    const out: Record<string, number> = {}
    for (const c of all) for (const [k, v] of Object.entries(pick(c))) out[k] = (out[k] ?? 0) + v
    return out as T
  }
  const empty = countRoles([], [], [])
  return {
    rejectedAtSubscribers: all.reduce((s, c) => s + c.rejectedAtSubscribers, 0),
    keyExchange: { ...empty.keyExchange, ...add((c) => c.keyExchange) },
    ordering: { ...empty.ordering, ...add((c) => c.ordering) },
    storage: { ...empty.storage, ...add((c) => c.storage) },
  }
}
