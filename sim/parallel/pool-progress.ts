// Progress of runs going on at once: one line on stderr per finished run, with the runs done and
// an ETA, since bars of several runs would tear each other. The ETA is the wall time so far
// scaled by the runs left. Nothing with --quiet.

import { formatDuration } from '../results/compare-progress.ts'

export class PoolProgress {
  private readonly startedAt = performance.now()
  private done = 0

  constructor(
    private readonly enabled: boolean,
    private readonly runs: number,
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** `label` names the run; `failed` when it did not finish well. */
  finished(label: string, failed = false): void {
    this.done++
    if (!this.enabled) return
    const elapsedMs = performance.now() - this.startedAt
    const eta = this.done < this.runs ? `, ETA ${formatDuration((elapsedMs * (this.runs - this.done)) / this.done)}` : ''
    this.write(`[${this.done}/${this.runs} done] ${label}${failed ? ' FAILED' : ''} (${formatDuration(elapsedMs)} elapsed${eta})`)
  }
}
