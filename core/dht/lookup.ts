// An iterative lookup: ask the closest contacts not yet asked, `parallelism` at a time, for the
// contacts they know closest to a target, until answers stop bringing us closer.
//
// - `join` (DiscoverySession.ts, @streamr/dht 103.3.1): progress is the closest contact getting
//   closer; the session ends after `noProgressLimit` answers without it, or when nobody is left
//   to ask. A failed request forgets the contact.
// - `find` (Kademlia's node lookup): it asks only among the k closest it knows and ends once
//   they have all answered or failed; answers that bring nothing new do not end it, since the
//   last of the k closest is often found by the last answer. A node that fails is asked once
//   more before it is given up. Store and fetch use it. The
//   reference routes those recursively instead (RecursiveOperationManager.ts); an iterative
//   lookup reaches the same nodes, with requests instead of forwarded hops (README).
//
// Candidates are ordered by a metric: XOR distance to an id, or distance on the ring.

import type { PeerDescriptor } from './peer-descriptor.ts'

export type LookupMode = 'join' | 'find'

/** < 0 when `a` is closer to the target than `b`. */
export type LookupMetric = (a: PeerDescriptor, b: PeerDescriptor) => number

export interface LookupOptions {
  readonly mode: LookupMode
  readonly parallelism: number
  readonly noProgressLimit: number
  /** The k whose closest set a `find` returns and waits for. */
  readonly k: number
  /** Most candidates kept. */
  readonly maxCandidates: number
}

export interface LookupResult {
  /** The closest that answered, closest first, at most k. */
  readonly closest: PeerDescriptor[]
  /** Requests sent. */
  readonly requests: number
  /** Depth of the closest contact that answered: a seed is at depth 1, a contact first heard of from a node at depth d at d + 1. */
  readonly hops: number
}

/** Asks `peer` for its closest contacts; `done(undefined)` when it failed. */
export type LookupQuery = (peer: PeerDescriptor, done: (contacts: readonly PeerDescriptor[] | undefined) => void) => void

interface Candidate {
  readonly peer: PeerDescriptor
  readonly depth: number
  state: 0 | 1 | 2 | 3 // new, asked, answered, failed
  /** A find asks a node that failed once more: links close under requests (the cap, a race), nodes rarely vanish. */
  retried: boolean
}

const NEW = 0
const ASKED = 1
const ANSWERED = 2
const FAILED = 3

export class Lookup {
  private readonly candidates: Candidate[] = []
  private readonly known = new Set<string>()
  private ongoing = 0
  private noProgress = 0
  private requests = 0
  private finished = false

  constructor(
    private readonly metric: LookupMetric,
    private readonly options: LookupOptions,
    /** Nodes asked already, shared by the sessions of one join (the reference's contactedPeers). */
    private readonly contacted: Set<string>,
    private readonly query: LookupQuery,
    private readonly onDone: (result: LookupResult) => void
  ) {}

  start(seeds: readonly PeerDescriptor[]): void {
    for (const s of seeds) this.addCandidate(s, 1)
    this.next()
  }

  /** Ends it now with what it has (the session timed out, or the node left). */
  abort(): void {
    this.finish()
  }

  get done(): boolean {
    return this.finished
  }

  private next(): void {
    if (this.finished) return
    const { parallelism, noProgressLimit, mode, k } = this.options
    if (mode === 'join' && this.noProgress >= noProgressLimit) return this.finish()
    // A find asks only among the k closest still standing; a join asks anyone not yet asked.
    const window = mode === 'find' ? k : Infinity
    let seen = 0
    for (let i = 0; i < this.candidates.length && this.ongoing < parallelism; i++) {
      const c = this.candidates[i]
      if (c.state === FAILED) continue
      if (c.state === NEW && !c.retried && this.contacted.has(c.peer.nodeId)) {
        c.state = FAILED
        continue
      }
      if (++seen > window) break
      if (c.state === NEW) this.ask(c)
    }
    if (this.ongoing === 0) this.finish()
  }

  private ask(c: Candidate): void {
    c.state = ASKED
    this.ongoing++
    this.requests++
    this.contacted.add(c.peer.nodeId)
    this.query(c.peer, (contacts) => {
      if (this.finished) return
      this.ongoing--
      if (contacts === undefined) {
        const again = this.options.mode === 'find' && !c.retried
        c.state = again ? NEW : FAILED
        c.retried = again
      } else {
        c.state = ANSWERED
        const before = this.progressMark()
        for (const p of contacts) this.addCandidate(p, c.depth + 1)
        if (this.progressMark() === before) this.noProgress++
      }
      this.next()
    })
  }

  /** The closest candidate still standing: a join's progress is this getting closer. */
  private progressMark(): string {
    for (const c of this.candidates) if (c.state !== FAILED) return c.peer.nodeId
    return ''
  }

  private addCandidate(peer: PeerDescriptor, depth: number): void {
    if (this.known.has(peer.nodeId)) return
    this.known.add(peer.nodeId)
    let lo = 0
    let hi = this.candidates.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.metric(this.candidates[mid].peer, peer) <= 0) lo = mid + 1
      else hi = mid
    }
    if (lo >= this.options.maxCandidates) return
    this.candidates.splice(lo, 0, { peer, depth, state: NEW, retried: false })
    if (this.candidates.length > this.options.maxCandidates) this.candidates.pop()
  }

  private finish(): void {
    if (this.finished) return
    this.finished = true
    const closest: PeerDescriptor[] = []
    let hops = 0
    for (const c of this.candidates) {
      if (c.state !== ANSWERED) continue
      if (closest.length === 0) hops = c.depth
      closest.push(c.peer)
      if (closest.length >= this.options.k) break
    }
    this.onDone({ closest, requests: this.requests, hops })
  }
}
