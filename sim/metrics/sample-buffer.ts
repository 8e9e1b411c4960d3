// A growable typed array of samples and exact nearest-rank quantiles over it. Sorting a typed
// array copy is fast enough for tens of millions of samples and keeps percentiles exact.

import type { Distribution } from '../results/summary-types.ts'

type NumberArray = Float64Array | Float32Array

export class SampleBuffer {
  private data: NumberArray
  length = 0

  constructor(private readonly kind: 'f64' | 'f32' = 'f64', capacity = 1024) {
    this.data = kind === 'f64' ? new Float64Array(capacity) : new Float32Array(capacity)
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = this.kind === 'f64' ? new Float64Array(this.data.length * 2) : new Float32Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = value
  }

  clear(): void {
    this.length = 0
  }

  /** A sorted copy of the samples. */
  sorted(): NumberArray {
    return this.data.slice(0, this.length).sort()
  }

  distribution(): Distribution {
    return distributionOf(this.sorted())
  }
}

/** q in (0, 1]: the smallest sample with at least q of the samples at or below it. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]
}

export function distributionOf(sorted: ArrayLike<number>): Distribution {
  const n = sorted.length
  if (n === 0) return { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN }
  let sum = 0
  for (let i = 0; i < n; i++) sum += sorted[i]
  return { count: n, mean: sum / n, p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted[n - 1] }
}
