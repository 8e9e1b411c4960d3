// A map from an unordered pair of node indices to an int, in typed arrays with open addressing:
// the simulated network's open links by their two ends. A Map keyed by a * n + b holds a boxed
// number per key once n * n passes 2^31 (a million nodes) and about 60 bytes per entry; this
// holds 12 bytes per slot at a load of at most a half.

const EMPTY = -1
const INITIAL_CAPACITY = 1024

export class PairTable {
  private low = new Int32Array(INITIAL_CAPACITY).fill(EMPTY)
  private high = new Int32Array(INITIAL_CAPACITY)
  private values = new Int32Array(INITIAL_CAPACITY)
  private count = 0

  get size(): number {
    return this.count
  }

  /** The value of the pair {a, b}, or -1. */
  get(a: number, b: number): number {
    const lo = a < b ? a : b
    const hi = a < b ? b : a
    const mask = this.low.length - 1
    for (let i = hash(lo, hi) & mask; ; i = (i + 1) & mask) {
      const k = this.low[i]
      if (k === EMPTY) return -1
      if (k === lo && this.high[i] === hi) return this.values[i]
    }
  }

  set(a: number, b: number, value: number): void {
    if (2 * (this.count + 1) > this.low.length) this.grow()
    const lo = a < b ? a : b
    const hi = a < b ? b : a
    const mask = this.low.length - 1
    for (let i = hash(lo, hi) & mask; ; i = (i + 1) & mask) {
      const k = this.low[i]
      if (k === EMPTY) {
        this.low[i] = lo
        this.high[i] = hi
        this.values[i] = value
        this.count++
        return
      }
      if (k === lo && this.high[i] === hi) {
        this.values[i] = value
        return
      }
    }
  }

  delete(a: number, b: number): void {
    const lo = a < b ? a : b
    const hi = a < b ? b : a
    const { low, high, values } = this
    const mask = low.length - 1
    let i = hash(lo, hi) & mask
    for (;; i = (i + 1) & mask) {
      if (low[i] === EMPTY) return
      if (low[i] === lo && high[i] === hi) break
    }
    // Backward-shift deletion: move later entries of the probe run into the hole, so lookups never stop early.
    let hole = i
    for (let j = (i + 1) & mask; low[j] !== EMPTY; j = (j + 1) & mask) {
      const home = hash(low[j], high[j]) & mask
      // Entry j may fill the hole unless its home lies cyclically in (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j
      if (between) continue
      low[hole] = low[j]
      high[hole] = high[j]
      values[hole] = values[j]
      hole = j
    }
    low[hole] = EMPTY
    this.count--
  }

  private grow(): void {
    const { low, high, values } = this
    this.low = new Int32Array(low.length * 2).fill(EMPTY)
    this.high = new Int32Array(low.length * 2)
    this.values = new Int32Array(low.length * 2)
    this.count = 0
    for (let i = 0; i < low.length; i++) if (low[i] !== EMPTY) this.set(low[i], high[i], values[i])
  }
}

function hash(lo: number, hi: number): number {
  let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi + 0x7f4a7c15, 0x85ebca6b)
  h ^= h >>> 15
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 13)) >>> 0
}
