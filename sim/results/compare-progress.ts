// One progress bar with an ETA across every run of a comparison, on stderr, as ProgressDisplay
// does for one run: silent with --quiet, when stderr is not a terminal, and for the first
// seconds. The ETA is the wall time so far scaled by the share of runs done (the current run
// counted by its simulated time), so it settles as designs of different cost go by.

import cliProgress from 'cli-progress'
import type { Progress } from '../runner.ts'

/** As ProgressDisplay: comparisons shorter than this never show a bar. */
const SHOW_AFTER_MS = 2_000
/** Bar resolution: steps per run. */
const STEPS_PER_RUN = 1_000

export class CompareProgress {
  private bar: cliProgress.SingleBar | null = null
  private readonly startedAt = performance.now()
  private label = ''
  private run = 0

  constructor(private readonly enabled: boolean, private readonly runs: number) {}

  static forTerminal(quiet: boolean, runs: number): CompareProgress {
    return new CompareProgress(!quiet && process.stderr.isTTY === true, runs)
  }

  /** Run `index` (from 0) starts; `label` names its design and seed. */
  startRun(index: number, label: string): void {
    this.run = index
    this.label = label
  }

  update(p: Progress): void {
    if (!this.enabled) return
    const elapsedMs = performance.now() - this.startedAt
    if (elapsedMs < SHOW_AFTER_MS) return
    const withinRun = p.expectedEndMs > 0 ? Math.min(1, p.simulatedMs / p.expectedEndMs) : 0
    const done = (this.run + withinRun) / this.runs
    const total = this.runs * STEPS_PER_RUN
    const payload = { label: this.label, run: this.run + 1, runs: this.runs, remaining: done > 0 ? formatDuration((elapsedMs * (1 - done)) / done) : '?' }
    const value = Math.min(total - 1, Math.round(done * total))
    if (this.bar === null) {
      this.bar = new cliProgress.SingleBar({
        stream: process.stderr,
        format: 'compare {bar} {percentage}% | run {run}/{runs} {label} | ETA {remaining}',
        hideCursor: true,
        clearOnComplete: true,
      }, cliProgress.Presets.shades_classic)
      this.bar.start(total, value, payload)
    } else {
      this.bar.update(value, payload)
    }
  }

  /** Prints a line on stdout without tearing the bar; the bar comes back at the next update. */
  log(line: string): void {
    this.stop()
    console.log(line)
  }

  stop(): void {
    this.bar?.stop()
    this.bar = null
  }
}

/** `1h 02m`, `3m 05s`, `42s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  return `${s}s`
}
