// Liveness beats numbers: a tracker's rules for one stream part against identities that join but
// never complete a link (Sybils). The reference's tracker believes every member, so anyone can
// take honest nodes' slots just by announcing ids: each newcomer with free slots breaks two full
// members' link (form-instructions.ts, rule 3) and takes both ends, who then fail to reach it.
// Here:
//   - a member is proven once a link it is in is confirmed by both ends' statuses, with a proven
//     member (or with anyone while no member is proven: the part's first link);
//   - an unproven member takes free slots only: it never breaks a link;
//   - a node that reports an unproven listed neighbour unreachable is not paired with it again,
//     and an unproven member reported unreachable by `reporters` distinct proven members is paired
//     with nobody, for `memoryMs` after the report. A proven member that could not be reached is
//     only having a bad moment (or a reporter's network is): it is paired again as before.
// A framed newcomer (reported by proven colluders) waits out memoryMs; many keyed nodes that do
// complete links are out of scope (README, "Security model").

import type { NodeId } from '../ports.ts'
import type { PairingRules } from './form-instructions.ts'

export interface LivenessOptions {
  /** How long a report of an unreachable peer keeps it apart (ms). */
  memoryMs: number
  /** Distinct proven reporters that take an unproven member out of every pairing. */
  reporters: number
}

export class PartLiveness implements PairingRules {
  /** Each member's latest reported neighbours. */
  private readonly reported = new Map<NodeId, ReadonlySet<NodeId>>()
  private readonly proven = new Set<NodeId>()
  /** node -> peer it must not be paired with -> until (ms); kept both ways. */
  private readonly apart = new Map<NodeId, Map<NodeId, number>>()
  /** suspect -> proven reporter -> until (ms). */
  private readonly reportedUnreachable = new Map<NodeId, Map<NodeId, number>>()

  constructor(private readonly options: LivenessOptions, private readonly now: () => number) {}

  isProven(node: NodeId): boolean {
    return this.proven.has(node)
  }

  /** Folds in a status: the links it confirms and the peers it says were unreachable. */
  status(node: NodeId, neighbours: readonly NodeId[], unreachable: readonly NodeId[]): void {
    const listed = new Set(neighbours)
    this.reported.set(node, listed)
    for (const n of listed) {
      if (this.reported.get(n)?.has(node) !== true) continue
      if (this.proven.size === 0 || this.proven.has(n)) this.proven.add(node)
      if (this.proven.has(node)) this.proven.add(n)
    }
    const until = this.now() + this.options.memoryMs
    for (const peer of unreachable) {
      // A proven peer (or anyone, before a link is proven) failed for a reason of the moment: try again.
      if (peer === node || listed.has(peer) || this.proven.size === 0 || this.proven.has(peer)) continue
      entry(this.apart, node).set(peer, until)
      entry(this.apart, peer).set(node, until)
      if (this.proven.has(node)) entry(this.reportedUnreachable, peer).set(node, until)
    }
  }

  /** Forgets a member that left. */
  remove(node: NodeId): void {
    this.reported.delete(node)
    this.proven.delete(node)
    for (const peer of this.apart.get(node)?.keys() ?? []) this.apart.get(peer)?.delete(node)
    this.apart.delete(node)
    this.reportedUnreachable.delete(node)
    for (const reporters of this.reportedUnreachable.values()) reporters.delete(node)
  }

  mayLink(a: NodeId, b: NodeId): boolean {
    return !this.current(this.apart.get(a), b) && !this.unreachable(a) && !this.unreachable(b)
  }

  mayBreakLinks(node: NodeId): boolean {
    return this.proven.has(node) || this.proven.size === 0
  }

  private unreachable(node: NodeId): boolean {
    if (this.proven.has(node)) return false
    const reporters = this.reportedUnreachable.get(node)
    if (reporters === undefined) return false
    let n = 0
    for (const reporter of reporters.keys()) if (this.current(reporters, reporter)) n++
    return n >= this.options.reporters
  }

  /** Whether `map` holds `key` with a time not yet passed; drops it once passed. */
  private current(map: Map<NodeId, number> | undefined, key: NodeId): boolean {
    const until = map?.get(key)
    if (until === undefined) return false
    if (until > this.now()) return true
    map!.delete(key)
    return false
  }
}

function entry(map: Map<NodeId, Map<NodeId, number>>, key: NodeId): Map<NodeId, number> {
  let inner = map.get(key)
  if (inner === undefined) {
    inner = new Map()
    map.set(key, inner)
  }
  return inner
}
