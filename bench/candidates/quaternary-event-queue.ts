// Candidate for the simulator's event queue: a 4-ary min-heap on (time, seq) whose entries are
// interleaved [time, seq, slot] in one Float64Array, so a level's children share cache lines.
// Same contract as sim/engine/event-queue.ts; compared against it in bench/event-queue.bench.ts.

const STRIDE = 3
const ARITY = 4

export class QuaternaryEventQueue {
  private heap = new Float64Array(1024 * STRIDE)
  private length = 0
  private nextSeq = 0
  kind = new Uint8Array(1024)
  a = new Int32Array(1024)
  b = new Int32Array(1024)
  ref: unknown[] = new Array(1024).fill(undefined)
  private freeSlots = new Int32Array(1024)
  private freeCount = 0
  private slotCount = 0

  get size(): number {
    return this.length
  }

  peekTime(): number {
    return this.length > 0 ? this.heap[0] : Infinity
  }

  push(time: number, kind: number, a: number, b: number, ref: unknown): void {
    const slot = this.allocSlot()
    this.kind[slot] = kind
    this.a[slot] = a
    this.b[slot] = b
    this.ref[slot] = ref
    if ((this.length + 1) * STRIDE > this.heap.length) {
      const next = new Float64Array(this.heap.length * 2)
      next.set(this.heap)
      this.heap = next
    }
    const heap = this.heap
    const seq = this.nextSeq++
    let i = this.length++
    while (i > 0) {
      const parent = ((i - 1) / ARITY) | 0
      const p = parent * STRIDE
      const pt = heap[p]
      if (pt < time || (pt === time && heap[p + 1] < seq)) break
      const c = i * STRIDE
      heap[c] = pt
      heap[c + 1] = heap[p + 1]
      heap[c + 2] = heap[p + 2]
      i = parent
    }
    const c = i * STRIDE
    heap[c] = time
    heap[c + 1] = seq
    heap[c + 2] = slot
  }

  pop(): number {
    const heap = this.heap
    const top = heap[2]
    const n = --this.length
    if (n > 0) {
      const last = n * STRIDE
      const time = heap[last]
      const seq = heap[last + 1]
      const slot = heap[last + 2]
      let i = 0
      for (;;) {
        const first = i * ARITY + 1
        if (first >= n) break
        let best = first
        let bt = heap[first * STRIDE]
        let bs = heap[first * STRIDE + 1]
        const end = first + ARITY < n ? first + ARITY : n
        for (let c = first + 1; c < end; c++) {
          const ct = heap[c * STRIDE]
          if (ct < bt || (ct === bt && heap[c * STRIDE + 1] < bs)) {
            best = c
            bt = ct
            bs = heap[c * STRIDE + 1]
          }
        }
        if (time < bt || (time === bt && seq < bs)) break
        const d = i * STRIDE
        heap[d] = bt
        heap[d + 1] = bs
        heap[d + 2] = heap[best * STRIDE + 2]
        i = best
      }
      const d = i * STRIDE
      heap[d] = time
      heap[d + 1] = seq
      heap[d + 2] = slot
    }
    this.freeSlots[this.freeCount++] = top
    return top
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]
    if (this.slotCount === this.kind.length) {
      const n = this.kind.length * 2
      const g = <T extends Int32Array | Uint8Array>(from: T, to: T): T => (to.set(from), to)
      this.kind = g(this.kind, new Uint8Array(n))
      this.a = g(this.a, new Int32Array(n))
      this.b = g(this.b, new Int32Array(n))
      this.freeSlots = g(this.freeSlots, new Int32Array(n))
      for (let i = this.ref.length; i < n; i++) this.ref.push(undefined)
    }
    return this.slotCount++
  }
}
