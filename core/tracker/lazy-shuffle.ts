// A uniformly random order of 0..n-1, drawn one index at a time: Fisher-Yates with the swaps kept
// in a small map instead of a copied array. The tracker draws candidates from lists of up to
// every member of a stream part and usually stops after a few, so each draw costs O(1) and
// nothing of size n is allocated.

import type { Random } from '../ports.ts'

export class LazyShuffle {
  private drawn = 0
  private readonly moved = new Map<number, number>()

  constructor(private readonly n: number, private readonly random: Random) {}

  /** The next index of the permutation, or -1 when all n have been drawn. */
  next(): number {
    const i = this.drawn
    if (i >= this.n) return -1
    const j = i + Math.floor(this.random.next() * (this.n - i))
    const atJ = this.moved.get(j) ?? j
    if (j !== i) this.moved.set(j, this.moved.get(i) ?? i)
    this.moved.delete(i)
    this.drawn = i + 1
    return atJ
  }
}
