// The last few messages a plumtree node relayed on each publisher chain (PlumtreeManager.ts
// latestMessages, trackerless-network 103.3.1): what it sends again to a neighbour that resumes,
// and, by the newest one's timestamp, how it tells that ids on a paused link are ahead of it.
// Chains are never forgotten, as in the reference; each holds at most `perChain` messages.

import type { ContentWireMessage } from '../ports.ts'

export class RecentMessages {
  private readonly byChain = new Map<string, ContentWireMessage[]>()

  constructor(private readonly perChain: number) {}

  add(chain: string, wire: ContentWireMessage): void {
    let kept = this.byChain.get(chain)
    if (kept === undefined) {
      kept = []
      this.byChain.set(chain, kept)
    }
    if (kept.length >= this.perChain) kept.shift()
    kept.push(wire)
  }

  /** The newest kept message's timestamp; 0 when none is kept. */
  latestTimestamp(chain: string): number {
    const kept = this.byChain.get(chain)
    return kept === undefined || kept.length === 0 ? 0 : kept[kept.length - 1].message.messageId.timestamp
  }

  /** Kept messages newer than `timestamp`, oldest first. */
  after(chain: string, timestamp: number): ContentWireMessage[] {
    return (this.byChain.get(chain) ?? []).filter((w) => w.message.messageId.timestamp > timestamp)
  }
}
