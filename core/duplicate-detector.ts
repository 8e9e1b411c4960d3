// Duplicate detection for one publisher chain, as the reference does it: instead of remembering
// every message seen, keep the few intervals of numbers that may still arrive. A message's
// previous reference says "nothing lies between prev and me", so in-order traffic keeps exactly
// one open-ended interval. That newest interval lives in fields, not an array, because every
// receipt touches it and a separate array would cost a cache miss per receipt at scale.

import { compareRefs } from './message.ts'

export const DEFAULT_MAX_GAPS = 10_000

export const DETECTED_NEW = 0
export const DETECTED_DUPLICATE = 1
/** The message's number is not after its previous reference: a forged or broken chain. */
export const DETECTED_INVALID = 2
export type Detection = typeof DETECTED_NEW | typeof DETECTED_DUPLICATE | typeof DETECTED_INVALID

const STRIDE = 4 // loTs, loSeq, hiTs, hiSeq; both bounds exclusive

export class DuplicateDetector {
  private started = false
  /** The open-ended interval (newest seen, infinity). */
  private newestTs = 0
  private newestSeq = 0
  /** Older closed intervals (lo, hi), flattened in ascending order; allocated on the first gap. */
  private older: number[] | null = null

  constructor(private readonly maxGaps = DEFAULT_MAX_GAPS) {}

  /**
   * Marks (ts, seq) as seen and says whether it was new. Without a previous reference
   * (hasPrev false) only a number after the newest seen one counts as new, as in the reference.
   */
  markAndCheck(hasPrev: boolean, prevTs: number, prevSeq: number, ts: number, seq: number): Detection {
    if (hasPrev && compareRefs(prevTs, prevSeq, ts, seq) >= 0) return DETECTED_INVALID
    if (!this.started) {
      // The first number seen opens the chain; anything older counts as already seen.
      this.started = true
      this.newestTs = ts
      this.newestSeq = seq
      return DETECTED_NEW
    }
    if (compareRefs(ts, seq, this.newestTs, this.newestSeq) > 0) {
      // (newest, prev] may still arrive when prev is after the newest seen.
      if (hasPrev && compareRefs(prevTs, prevSeq, this.newestTs, this.newestSeq) > 0) {
        this.addOlder(this.newestTs, this.newestSeq, prevTs, prevSeq + 1)
      }
      this.newestTs = ts
      this.newestSeq = seq
      return DETECTED_NEW
    }
    if (!hasPrev || this.older === null) return DETECTED_DUPLICATE
    const gaps = this.older
    for (let i = gaps.length - STRIDE; i >= 0; i -= STRIDE) {
      if (compareRefs(ts, seq, gaps[i], gaps[i + 1]) <= 0) continue
      if (compareRefs(ts, seq, gaps[i + 2], gaps[i + 3]) >= 0) return DETECTED_DUPLICATE
      this.fill(i, prevTs, prevSeq, ts, seq)
      return DETECTED_NEW
    }
    return DETECTED_DUPLICATE
  }

  /** Number of open intervals; one for a chain seen in order. */
  get gapCount(): number {
    return (this.started ? 1 : 0) + (this.older === null ? 0 : this.older.length / STRIDE)
  }

  private addOlder(loTs: number, loSeq: number, hiTs: number, hiSeq: number): void {
    const gaps = (this.older ??= [])
    gaps.push(loTs, loSeq, hiTs, hiSeq)
    // Past the bound the oldest gap is given up: its numbers then count as seen.
    if (gaps.length / STRIDE + 1 > this.maxGaps) gaps.splice(0, STRIDE)
  }

  /** Splits older gap i around (ts, seq): (lo, prev] and (num, hi) may still arrive. */
  private fill(i: number, prevTs: number, prevSeq: number, ts: number, seq: number): void {
    const gaps = this.older!
    const hiTs = gaps[i + 2]
    const hiSeq = gaps[i + 3]
    const keepLeft = compareRefs(prevTs, prevSeq, gaps[i], gaps[i + 1]) > 0
    // (num, hi) is empty only when hi directly follows num in the same millisecond.
    const keepRight = !(hiTs === ts && hiSeq === seq + 1)
    if (keepLeft) {
      gaps[i + 2] = prevTs
      gaps[i + 3] = prevSeq + 1
      if (keepRight) {
        gaps.splice(i + STRIDE, 0, ts, seq, hiTs, hiSeq)
        if (gaps.length / STRIDE + 1 > this.maxGaps) gaps.splice(0, STRIDE)
      }
    } else if (keepRight) {
      gaps[i] = ts
      gaps[i + 1] = seq
    } else {
      gaps.splice(i, STRIDE)
    }
  }
}
