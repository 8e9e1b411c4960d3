// Who was online when: each node's one session (join time, leave time) and the first moments
// that matter to a joining user: its first neighbour, its full neighbour set, its first message.

export class Membership {
  /** NaN until the node joins. */
  readonly joinedAtMs: Float64Array
  /** Infinity while the node is online (or never joined). */
  readonly leftAtMs: Float64Array
  readonly firstNeighbourAtMs: Float64Array
  readonly firstDataAtMs: Float64Array
  /** When the node first had its target degree in the first stream part (or every other online node as neighbour). */
  readonly reachedTargetAtMs: Float64Array
  /** Neighbours in the first stream part now. */
  readonly degree: Uint16Array

  /** Left by crashing rather than saying goodbye. */
  readonly crashed: Uint8Array
  online = 0
  /**
   * Counts every join, leave and neighbour change: what an overlay sample depends on besides the
   * nodes' neighbour lists, whose every change passes through neighbourAdded and neighbourRemoved.
   * A sample taken at the same count as the last one is the same, so it need not be taken again.
   */
  changes = 0

  constructor(
    readonly nodes: number,
    /** The degree a node aims for (topology.degree); Infinity: none, so no join time is measured. */
    readonly targetDegree = Infinity
  ) {
    this.joinedAtMs = new Float64Array(nodes).fill(NaN)
    this.leftAtMs = new Float64Array(nodes).fill(Infinity)
    this.firstNeighbourAtMs = new Float64Array(nodes).fill(NaN)
    this.firstDataAtMs = new Float64Array(nodes).fill(NaN)
    this.reachedTargetAtMs = new Float64Array(nodes).fill(NaN)
    this.degree = new Uint16Array(nodes)
    this.crashed = new Uint8Array(nodes)
  }

  isOnline(i: number): boolean {
    return this.joinedAtMs[i] === this.joinedAtMs[i] && this.leftAtMs[i] === Infinity
  }

  hasJoined(i: number): boolean {
    return !Number.isNaN(this.joinedAtMs[i])
  }

  joined(i: number, atMs: number): void {
    this.joinedAtMs[i] = atMs
    this.online++
    this.changes++
  }

  left(i: number, atMs: number, crash: boolean): void {
    if (!this.isOnline(i)) return
    this.changes++
    this.leftAtMs[i] = atMs
    this.crashed[i] = crash ? 1 : 0
    this.online--
  }

  /** First neighbour after joining (in any stream part); in the first stream part, the degree too. */
  neighbourAdded(i: number, atMs: number, inFirstPart: boolean): void {
    this.changes++
    if (!this.isOnline(i)) return
    if (Number.isNaN(this.firstNeighbourAtMs[i])) this.firstNeighbourAtMs[i] = atMs
    if (!inFirstPart) return
    this.degree[i]++
    if (Number.isNaN(this.reachedTargetAtMs[i]) && this.degree[i] >= Math.min(this.targetDegree, this.online - 1)) this.reachedTargetAtMs[i] = atMs
  }

  neighbourRemoved(i: number, inFirstPart: boolean): void {
    this.changes++
    if (inFirstPart && this.degree[i] > 0) this.degree[i]--
  }

  delivered(i: number, atMs: number): void {
    if (Number.isNaN(this.firstDataAtMs[i]) && this.isOnline(i)) this.firstDataAtMs[i] = atMs
  }

  /**
   * Times in ms from joining (or from `notBeforeMs`, if later) to an event, over the nodes that
   * reached it. For time to data, notBeforeMs is the first publish: a node that joined during
   * warm-up had nothing to receive yet, and counting that wait would measure the warm-up.
   */
  sinceJoin(eventAtMs: Float64Array, notBeforeMs = -Infinity): number[] {
    const out: number[] = []
    for (let i = 0; i < this.nodes; i++) {
      const t = eventAtMs[i]
      if (!Number.isNaN(t)) out.push(t - Math.max(this.joinedAtMs[i], notBeforeMs))
    }
    return out
  }
}
