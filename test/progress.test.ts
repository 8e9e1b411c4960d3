// time-limit: 30 s
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LOG_LINE_EVERY_MS, ProgressDisplay } from '../sim/results/progress.ts'

const Lines = suite('run progress in a log')

Lines('writes one line a minute with the share done, simulated time, events and an ETA, and nothing more often', () => {
  let now = 0
  const lines: string[] = []
  const progress = new ProgressDisplay('lines', 'dht-10k', 'simulated', () => now, (l) => lines.push(l))
  progress.update({ simulatedMs: 5_000, expectedEndMs: 100_000, events: 10 })
  assert.is(lines.length, 0)
  now = LOG_LINE_EVERY_MS
  progress.update({ simulatedMs: 25_000, expectedEndMs: 100_000, events: 1_234_567 })
  now = LOG_LINE_EVERY_MS + 1_000
  progress.update({ simulatedMs: 26_000, expectedEndMs: 100_000, events: 1_300_000 })
  assert.equal(lines, ['dht-10k: 25% | simulated 25.0 s | 1,234,567 events | 1m00s elapsed | ETA 3m00s'])
  now = 2 * LOG_LINE_EVERY_MS + 1_000
  progress.update({ simulatedMs: 50_000, expectedEndMs: 100_000, events: 2_000_000 })
  assert.is(lines.length, 2)
  assert.match(lines[1], 'ETA 2m01s')
})

Lines('stays silent when quiet or on a terminal bar that has not started', () => {
  let now = 0
  const lines: string[] = []
  const off = new ProgressDisplay('off', 'x', 'simulated', () => now, (l) => lines.push(l))
  now = 10 * LOG_LINE_EVERY_MS
  off.update({ simulatedMs: 1, expectedEndMs: 2, events: 1 })
  assert.is(lines.length, 0)
})

Lines.run()
