// The simulator's one event queue: a binary min-heap on (time, sequence) kept in typed arrays.
// Sequence numbers come from a counter, so events at the same time run in the order they were
// scheduled, whatever the heap's shape. Keys live inside the heap arrays (not behind the slot)
// so sift loops touch contiguous memory; payloads sit in slot arrays read once per pop.
// bench/event-queue.bench.ts compares this with @js-sdsl/priority-queue and others.

const INITIAL_CAPACITY = 1024

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

  get size(): number {
    return this.length
  }

  /** Time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.length > 0 ? this.heapTime[0] : Infinity
  }

  push(time: number, kind: number, a: number, b: number, ref: unknown): void {
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
  }

  /**
   * Removes the earliest event and returns its slot. The slot is free again at once: read
   * kind/a/b/ref[slot] before the next push.
   */
  pop(): number {
    const heapTime = this.heapTime
    const heapSeq = this.heapSeq
    const heapSlot = this.heapSlot
    const top = heapSlot[0]
    const n = --this.length
    if (n > 0) {
      const time = heapTime[n]
      const seq = heapSeq[n]
      const slot = heapSlot[n]
      let i = 0
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
    this.freeSlots[this.freeCount++] = top
    return top
  }

  /** Empties the queue; the sequence counter keeps counting so order stays total. */
  clear(): void {
    this.length = 0
    this.freeCount = 0
    this.slotCount = 0
    this.ref.fill(undefined)
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]
    if (this.slotCount === this.kind.length) this.growSlots()
    return this.slotCount++
  }

  private growHeap(): void {
    const n = this.heapTime.length * 2
    this.heapTime = grow(this.heapTime, new Float64Array(n))
    this.heapSeq = grow(this.heapSeq, new Float64Array(n))
    this.heapSlot = grow(this.heapSlot, new Int32Array(n))
  }

  private growSlots(): void {
    const n = this.kind.length * 2
    this.kind = grow(this.kind, new Uint8Array(n))
    this.a = grow(this.a, new Int32Array(n))
    this.b = grow(this.b, new Int32Array(n))
    this.freeSlots = grow(this.freeSlots, new Int32Array(n))
    const ref = this.ref
    for (let i = ref.length; i < n; i++) ref.push(undefined)
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from)
  return to
}
