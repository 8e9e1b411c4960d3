import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DETECTED_DUPLICATE, DETECTED_INVALID, DETECTED_NEW, DuplicateDetector } from '../core/duplicate-detector.ts'

type Num = [number, number]
/** Marks (prev -> num) and returns the detection. */
const mark = (d: DuplicateDetector, prev: Num | null, num: Num) =>
  prev === null ? d.markAndCheck(false, 0, 0, num[0], num[1]) : d.markAndCheck(true, prev[0], prev[1], num[0], num[1])

const Detector = suite('DuplicateDetector')

Detector('finds each message of an in-order chain new once, with one open gap throughout', () => {
  const d = new DuplicateDetector()
  let prev: Num | null = null
  for (let t = 1; t <= 1000; t++) {
    assert.is(mark(d, prev, [t, 0]), DETECTED_NEW)
    prev = [t, 0]
    assert.is(d.gapCount, 1)
  }
  for (let t = 1; t <= 1000; t++) assert.is(mark(d, t === 1 ? null : [t - 1, 0], [t, 0]), DETECTED_DUPLICATE)
})

Detector('orders sequence numbers within one millisecond after the timestamp', () => {
  const d = new DuplicateDetector()
  assert.is(mark(d, null, [5, 0]), DETECTED_NEW)
  assert.is(mark(d, [5, 0], [5, 1]), DETECTED_NEW)
  assert.is(mark(d, [5, 1], [5, 2]), DETECTED_NEW)
  assert.is(mark(d, [5, 2], [6, 0]), DETECTED_NEW)
  assert.is(mark(d, [5, 0], [5, 1]), DETECTED_DUPLICATE)
  assert.is(d.gapCount, 1)
})

Detector('lets a late message fill its gap exactly once', () => {
  const d = new DuplicateDetector()
  mark(d, null, [1, 0])
  // 2 is skipped for now: 3 arrives, saying its predecessor is 2.
  assert.is(mark(d, [2, 0], [3, 0]), DETECTED_NEW)
  assert.is(d.gapCount, 2, 'gap (1, 2] stays open for message 2')
  assert.is(mark(d, [1, 0], [2, 0]), DETECTED_NEW)
  assert.is(d.gapCount, 1, 'filled gap disappears')
  assert.is(mark(d, [1, 0], [2, 0]), DETECTED_DUPLICATE)
  assert.is(mark(d, [2, 0], [3, 0]), DETECTED_DUPLICATE)
  assert.is(mark(d, [3, 0], [4, 0]), DETECTED_NEW)
})

Detector('tracks several missing stretches independently', () => {
  const d = new DuplicateDetector()
  mark(d, null, [10, 0])
  mark(d, [20, 0], [30, 0]) // missing 20 (and 11..19 are whatever 20's prev says)
  mark(d, [40, 0], [50, 0]) // missing 40
  assert.is(d.gapCount, 3)
  assert.is(mark(d, [10, 0], [20, 0]), DETECTED_NEW)
  assert.is(mark(d, [30, 0], [40, 0]), DETECTED_NEW)
  assert.is(d.gapCount, 1)
  // Numbers that the chain says do not exist are not "new" either.
  assert.is(mark(d, [10, 0], [15, 0]), DETECTED_DUPLICATE)
})

Detector('counts a message older than the first one seen as already seen', () => {
  const d = new DuplicateDetector()
  mark(d, [99, 0], [100, 0])
  assert.is(mark(d, [98, 0], [99, 0]), DETECTED_DUPLICATE)
})

Detector('drops a number that is not after its previous reference', () => {
  const d = new DuplicateDetector()
  assert.is(mark(d, [5, 0], [5, 0]), DETECTED_INVALID)
  assert.is(mark(d, [6, 0], [5, 0]), DETECTED_INVALID)
  assert.is(mark(d, [5, 3], [5, 2]), DETECTED_INVALID)
  assert.is(d.gapCount, 0, 'invalid messages change nothing')
  assert.is(mark(d, [4, 0], [5, 0]), DETECTED_NEW)
})

Detector('without previous references, finds only numbers after the newest seen new', () => {
  const d = new DuplicateDetector()
  assert.is(mark(d, null, [5, 0]), DETECTED_NEW)
  assert.is(mark(d, null, [7, 0]), DETECTED_NEW)
  assert.is(mark(d, null, [6, 0]), DETECTED_DUPLICATE)
  assert.is(mark(d, null, [7, 0]), DETECTED_DUPLICATE)
  assert.is(d.gapCount, 1)
})

Detector('gives up the oldest gap at the gap limit, so memory stays bounded', () => {
  const d = new DuplicateDetector(3)
  mark(d, null, [0, 0])
  // Every second message is missing: each arrival opens one more gap.
  for (let t = 2; t <= 20; t += 2) mark(d, [t - 1, 0], [t, 0])
  assert.is(d.gapCount, 3)
  assert.is(mark(d, [0, 0], [1, 0]), DETECTED_DUPLICATE, 'oldest gap was dropped: counts as seen')
  assert.is(mark(d, [16, 0], [17, 0]), DETECTED_NEW, 'recent gaps still tracked')
  assert.is(mark(d, [18, 0], [19, 0]), DETECTED_NEW)
})

Detector('finds each message of a shuffled chain with references new exactly once', () => {
  // A deterministic shuffle of 200 messages after the first.
  const order = Array.from({ length: 200 }, (_, i) => i + 1)
  let s = 7
  for (let i = order.length - 1; i > 0; i--) {
    s = (s * 48271) % 2147483647
    const j = s % (i + 1)
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  const d = new DuplicateDetector()
  mark(d, null, [0, 0])
  let fresh = 0
  for (const t of [...order, ...order]) if (mark(d, [t - 1, 0], [t, 0]) === DETECTED_NEW) fresh++
  assert.is(fresh, 200)
  assert.is(d.gapCount, 1)
})

Detector.run()
