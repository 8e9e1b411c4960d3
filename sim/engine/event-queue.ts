// The simulator's one event queue: a binary min-heap on (time, sequence) kept in typed arrays.
// Sequence numbers come from a counter, so events at the same time run in the order they were
// scheduled, whatever the heap's shape. Keys live inside the heap arrays (not behind the slot)
// so sift loops touch contiguous memory; payloads sit in slot arrays read once per pop.
// bench/event-queue.bench.ts compares this with @js-sdsl/priority-queue and others.
//
// Cancelled events (mostly RPC timeouts that their reply made moot: a DHT node sets one per
// request) are marked dead rather than taken out at once, which would need every sift to track
// each slot's position. Dead events never reach the caller, and once they outnumber live ones
// the heap is rebuilt without them, so each costs O(1) amortised and the heap stays at most
// twice the live events. Keys are a total order, so rebuilding changes no pop order.

import { grown } from './typed-arrays.ts'

const INITIAL_CAPACITY = 1024
/** Below this many dead events a rebuild is not worth its pass over the heap. */
const MIN_DEAD_TO_REBUILD = 1024

export class EventQueue {
  // heap, 0-based: key (time, seq) and the slot holding the payload
  private heapTime = new Float64Array(INITIAL_CAPACITY)
  private heapSeq = new Float64Array(INITIAL_CAPACITY)
  private heapSlot = new Int32Array(INITIAL_CAPACITY)
  private length = 0
  private nextSeq = 0

  // payload slots
  kind = new Uint8Array(INITIAL_CAPACITY)
  a = new Int32Array(INITIAL_CAPACITY)
  b = new Int32Array(INITIAL_CAPACITY)
  ref: unknown[] = new Array(INITIAL_CAPACITY).fill(undefined)
  private freeSlots = new Int32Array(INITIAL_CAPACITY)
  private freeCount = 0
  private slotCount = 0
  /** 1 for a cancelled event still in the heap. */
  private dead = new Uint8Array(INITIAL_CAPACITY)
  private deadCount = 0

  /** Live events waiting. */
  get size(): number {
    return this.length - this.deadCount
  }

  /** Time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.length > 0 ? this.heapTime[0] : Infinity
  }

  /** Returns the event's slot, which `cancel` takes. */
  push(time: number, kind: number, a: number, b: number, ref: unknown): number {
    const slot = this.allocSlot()
    this.kind[slot] = kind
    this.a[slot] = a
    this.b[slot] = b
    this.ref[slot] = ref
    if (this.length === this.heapTime.length) this.growHeap()
    const seq = this.nextSeq++
    const heapTime = this.heapTime
    const heapSeq = this.heapSeq
    const heapSlot = this.heapSlot
    let i = this.length++
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pt = heapTime[parent]
      if (pt < time || (pt === time && heapSeq[parent] < seq)) break
      heapTime[i] = pt
      heapSeq[i] = heapSeq[parent]
      heapSlot[i] = heapSlot[parent]
      i = parent
    }
    heapTime[i] = time
    heapSeq[i] = seq
    heapSlot[i] = slot
    return slot
  }

  /**
   * Removes the earliest event and returns its slot. The slot is free again at once: read
   * kind/a/b/ref[slot] before the next push.
   */
  pop(): number {
    const top = this.removeTop()
    if (this.deadCount > 0) this.dropDeadTop()
    return top
  }

  /**
   * Takes the event in `slot` (a slot `push` filled and no pop has returned) out of the queue;
   * it will never be returned. The slot is not reused until then.
   */
  cancel(slot: number): void {
    if (this.dead[slot] === 1) return
    this.dead[slot] = 1
    this.ref[slot] = undefined
    this.deadCount++
    if (this.heapSlot[0] === slot) this.dropDeadTop()
    else if (this.deadCount > MIN_DEAD_TO_REBUILD && 2 * this.deadCount > this.length) this.rebuildWithoutDead()
  }

  private removeTop(): number {
    const top = this.heapSlot[0]
    const n = --this.length
    if (n > 0) {
      this.heapTime[0] = this.heapTime[n]
      this.heapSeq[0] = this.heapSeq[n]
      this.heapSlot[0] = this.heapSlot[n]
      this.siftDown(0, n)
    }
    this.freeSlots[this.freeCount++] = top
    return top
  }

  /** Pops dead events off the top until a live one (or nothing) is there. */
  private dropDeadTop(): void {
    const dead = this.dead
    while (this.length > 0 && dead[this.heapSlot[0]] === 1) {
      dead[this.removeTop()] = 0
      this.deadCount--
    }
  }

  /** Compacts the heap to its live events and restores the heap order bottom-up (Floyd, O(n)). */
  private rebuildWithoutDead(): void {
    const { heapTime, heapSeq, heapSlot, dead } = this
    let n = 0
    for (let i = 0; i < this.length; i++) {
      const slot = heapSlot[i]
      if (dead[slot] === 1) {
        dead[slot] = 0
        this.freeSlots[this.freeCount++] = slot
        continue
      }
      heapTime[n] = heapTime[i]
      heapSeq[n] = heapSeq[i]
      heapSlot[n] = slot
      n++
    }
    this.length = n
    this.deadCount = 0
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i, n)
  }

  private siftDown(start: number, n: number): void {
    const { heapTime, heapSeq, heapSlot } = this
    const time = heapTime[start]
    const seq = heapSeq[start]
    const slot = heapSlot[start]
    let i = start
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      const right = child + 1
      if (right < n) {
        const ct = heapTime[child]
        const rt = heapTime[right]
        if (rt < ct || (rt === ct && heapSeq[right] < heapSeq[child])) child = right
      }
      const ct = heapTime[child]
      if (time < ct || (time === ct && seq < heapSeq[child])) break
      heapTime[i] = ct
      heapSeq[i] = heapSeq[child]
      heapSlot[i] = heapSlot[child]
      i = child
    }
    heapTime[i] = time
    heapSeq[i] = seq
    heapSlot[i] = slot
  }

  /** Empties the queue; the sequence counter keeps counting so order stays total. */
  clear(): void {
    this.length = 0
    this.freeCount = 0
    this.slotCount = 0
    this.ref.fill(undefined)
    this.dead.fill(0)
    this.deadCount = 0
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]
    if (this.slotCount === this.kind.length) this.growSlots()
    return this.slotCount++
  }

  private growHeap(): void {
    const n = this.heapTime.length * 2
    this.heapTime = grown(this.heapTime, new Float64Array(n))
    this.heapSeq = grown(this.heapSeq, new Float64Array(n))
    this.heapSlot = grown(this.heapSlot, new Int32Array(n))
  }

  private growSlots(): void {
    const n = this.kind.length * 2
    this.kind = grown(this.kind, new Uint8Array(n))
    this.a = grown(this.a, new Int32Array(n))
    this.b = grown(this.b, new Int32Array(n))
    this.freeSlots = grown(this.freeSlots, new Int32Array(n))
    this.dead = grown(this.dead, new Uint8Array(n))
    const ref = this.ref
    for (let i = ref.length; i < n; i++) ref.push(undefined)
  }
}

