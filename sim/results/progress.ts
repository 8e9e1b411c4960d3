// Progress with an ETA on stderr for runs that take more than a moment: a bar on a terminal; in
// a log (CI, a batch job, a pipe) one plain line a minute, so an hour-long run is never silent
// and the log stays short. Nothing with --quiet. Before simulated time moves, a large run spends
// minutes building (placement, nodes, topology) and joining its first nodes: those stages show
// as their own bar, counted in nodes, with an ETA from the stage's own pace.

import cliProgress from 'cli-progress'
import type { Progress, Stage } from '../runner.ts'

/** Runs shorter than this never show a bar. */
const SHOW_AFTER_MS = 2_000
/** A log gets a progress line this often (the first after this long too). */
export const LOG_LINE_EVERY_MS = 60_000

export type ProgressMode = 'bar' | 'lines' | 'off'

export class ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null
  private readonly startedAt: number
  private nextLineAt: number
  /** The stage the bar shows (null: simulated time), and when it began. */
  private stage: string | null = null
  private stageStartedAt = 0

  /** `clock` names the time the bar counts: simulated, or real time for live runs. */
  constructor(
    private readonly mode: ProgressMode,
    private readonly label: string,
    private readonly clock = 'simulated',
    private readonly now: () => number = () => performance.now(),
    private readonly write: (line: string) => void = (line) => process.stderr.write(line + '\n')
  ) {
    this.startedAt = now()
    this.nextLineAt = this.startedAt + LOG_LINE_EVERY_MS
  }

  static forTerminal(quiet: boolean, label: string, clock?: string): ProgressDisplay {
    return new ProgressDisplay(quiet ? 'off' : process.stderr.isTTY === true ? 'bar' : 'lines', label, clock)
  }

  update(p: Progress): void {
    const stage = p.stage === undefined || p.stage.done >= p.stage.total ? null : p.stage.name
    if (stage !== this.stage) {
      // A new bar for each stage: its percentage and ETA are its own.
      this.stop()
      this.stage = stage
      this.stageStartedAt = this.now()
    }
    if (this.mode === 'lines') return p.stage !== undefined && stage !== null ? this.stageLine(p.stage) : this.line(p)
    if (this.mode === 'off' || this.now() - this.startedAt < SHOW_AFTER_MS) return
    if (p.stage !== undefined && stage !== null) return this.stageBar(p.stage)
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

  private stageBar(s: Stage): void {
    const payload = { label: this.label, stage: s.name, done: s.done.toLocaleString('en-US'), total: s.total.toLocaleString('en-US') }
    if (this.bar === null) {
      this.bar = new cliProgress.SingleBar({
        stream: process.stderr,
        format: '{label} {stage} {bar} {percentage}% | {done} of {total} | ETA {eta_formatted}',
        etaBuffer: 20,
        hideCursor: true,
        clearOnComplete: true,
      }, cliProgress.Presets.shades_classic)
      this.bar.start(s.total, s.done, payload)
    } else {
      this.bar.update(s.done, payload)
    }
  }

  private stageLine(s: Stage): void {
    const now = this.now()
    if (now < this.nextLineAt) return
    this.nextLineAt = now + LOG_LINE_EVERY_MS
    const share = s.total > 0 ? s.done / s.total : 0
    const eta = share > 0 ? formatSeconds(((now - this.stageStartedAt) / 1000) * (1 - share) / share) : 'unknown'
    this.write(`${this.label}: ${s.name} ${(100 * share).toFixed(0)}% | ${s.done.toLocaleString('en-US')} of ${s.total.toLocaleString('en-US')} | `
      + `${formatSeconds((now - this.startedAt) / 1000)} elapsed | ETA ${eta}`)
  }

  private line(p: Progress): void {
    const now = this.now()
    if (now < this.nextLineAt) return
    this.nextLineAt = now + LOG_LINE_EVERY_MS
    const share = p.expectedEndMs > 0 ? Math.min(1, p.simulatedMs / p.expectedEndMs) : 0
    const elapsedS = (now - this.startedAt) / 1000
    const eta = share > 0 ? formatSeconds(elapsedS * (1 - share) / share) : 'unknown'
    const unit = this.clock === 'simulated' ? 'events' : 'receipts'
    this.write(`${this.label}: ${(100 * share).toFixed(0)}% | ${this.clock} ${(p.simulatedMs / 1000).toFixed(1)} s | `
      + `${p.events.toLocaleString('en-US')} ${unit} | ${formatSeconds(elapsedS)} elapsed | ETA ${eta}`)
  }

  stop(): void {
    this.bar?.stop()
    this.bar = null
  }
}

function formatSeconds(s: number): string {
  const t = Math.round(s)
  const h = Math.floor(t / 3600)
  const m = Math.floor((t % 3600) / 60)
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(t % 60).padStart(2, '0')}s` : `${t}s`
}
