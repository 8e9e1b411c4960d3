// DuplicateDetector.markAndCheck over one publisher chain of 1M messages: in order (the common
// case), with 1% arriving late (gaps open and close), and all duplicates (what most receipts are
// under flooding). Every sample is one full pass, so a pass with gaps pays for all its gaps.

import { DETECTED_DUPLICATE, DETECTED_NEW, DuplicateDetector } from '../core/duplicate-detector.ts'
import { type GroupResult, type MicroOptions, newBench, rowsOf, sink, uniforms } from './common.ts'

const M = 1_000_000
const BASE_TS = 1_700_000_000_000

// Message i: four per millisecond, its previous reference is message i - 1. Filled on first
// use, so importing this module (e.g. for --only) costs nothing.
const ts = new Float64Array(M)
const seq = new Int32Array(M)

function fillChain(): void {
  for (let i = 0; i < M; i++) {
    ts[i] = BASE_TS + (i >> 2)
    seq[i] = i & 3
  }
}

function identity(): Int32Array {
  return Int32Array.from({ length: M }, (_, i) => i)
}

/** About 1% of messages are overtaken by one of the next 1..4 and arrive after it. */
function latePermutation(): Int32Array {
  const order = identity()
  const r = uniforms('dedup-late', 2 * M, 0, 1)
  let late = 0
  for (let i = 1; i + 5 < M; i++) {
    if (r[i] >= 0.01) continue
    const j = i + 1 + Math.floor(r[M + i] * 4)
    ;[order[i], order[j]] = [order[j], order[i]]
    late++
    i = j // no overlapping swaps: each late message is late once
  }
  if (late < M * 0.008) throw new Error(`only ${late} late messages`)
  return order
}

/** One pass in `order`; returns how many came out as `expect`. */
function pass(d: DuplicateDetector, order: Int32Array, expect: number): number {
  let hits = 0
  for (let k = 0; k < M; k++) {
    const i = order[k]
    const r = i === 0 ? d.markAndCheck(false, 0, 0, ts[0], seq[0]) : d.markAndCheck(true, ts[i - 1], seq[i - 1], ts[i], seq[i])
    if (r === expect) hits++
  }
  return hits
}

export async function duplicateDetectorBench(opts: MicroOptions): Promise<GroupResult> {
  fillChain()
  const inOrder = identity()
  const late = latePermutation()
  // Fixtures must mean what the row names say before anything is timed.
  const checkLate = new DuplicateDetector()
  const checks = [
    { name: 'in order: all new', pass: pass(new DuplicateDetector(), inOrder, DETECTED_NEW) === M },
    { name: '1% late: all new, every gap closed', pass: pass(checkLate, late, DETECTED_NEW) === M && checkLate.gapCount === 1 },
    { name: 'replay: all duplicates', pass: pass(checkLate, inOrder, DETECTED_DUPLICATE) === M },
  ].map((c) => ({ ...c, detail: c.pass ? `${M.toLocaleString('en-US')} of ${M.toLocaleString('en-US')}` : 'fixture does not do what it says' }))

  const bench = newBench(opts)
  bench.add('markAndCheck, in order', () => { sink.value += pass(new DuplicateDetector(), inOrder, DETECTED_NEW) })
  bench.add('markAndCheck, 1% out of order', () => { sink.value += pass(new DuplicateDetector(), late, DETECTED_NEW) })
  let seen = new DuplicateDetector()
  bench.add('markAndCheck, pure duplicates', () => { sink.value += pass(seen, inOrder, DETECTED_DUPLICATE) }, {
    beforeAll() { seen = new DuplicateDetector(); pass(seen, inOrder, DETECTED_NEW) },
  })
  await bench.run()
  return {
    group: 'dedup',
    title: `Duplicate detector, one chain, detector hot in cache (${M.toLocaleString('en-US')} markAndCheck calls per sample)`,
    rows: rowsOf(bench, M / 1e6, 'M calls/s'),
    checks,
    lines: [],
  }
}
