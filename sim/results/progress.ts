// A progress bar with ETA on stderr for runs that take more than a moment. Silent when stderr is
// not a terminal (CI logs, pipes) or with --quiet, so logs stay clean.

import cliProgress from 'cli-progress'
import type { Progress } from '../runner.ts'

/** Runs shorter than this never show a bar. */
const SHOW_AFTER_MS = 2_000

export class ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null
  private readonly startedAt = performance.now()

  /** `clock` names the time the bar counts: simulated, or real time for live runs. */
  constructor(private readonly enabled: boolean, private readonly label: string, private readonly clock = 'simulated') {}

  static forTerminal(quiet: boolean, label: string, clock?: string): ProgressDisplay {
    return new ProgressDisplay(!quiet && process.stderr.isTTY === true, label, clock)
  }

  update(p: Progress): void {
    if (!this.enabled || performance.now() - this.startedAt < SHOW_AFTER_MS) return
    const total = Math.max(1, Math.round(p.expectedEndMs))
    const value = Math.min(total - 1, Math.round(p.simulatedMs))
    const payload = { label: this.label, sim: (p.simulatedMs / 1000).toFixed(1), events: p.events.toLocaleString('en-US') }
    if (this.bar === null) {
      this.bar = new cliProgress.SingleBar({
        stream: process.stderr,
        format: `{label} {bar} {percentage}% | ${this.clock} {sim} s | {events} ${this.clock === 'simulated' ? 'events' : 'receipts'} | ETA {eta_formatted}`,
        etaBuffer: 20,
        hideCursor: true,
        clearOnComplete: true,
      }, cliProgress.Presets.shades_classic)
      this.bar.start(total, value, payload)
    } else {
      this.bar.update(value, payload)
    }
  }

  stop(): void {
    this.bar?.stop()
    this.bar = null
  }
}
