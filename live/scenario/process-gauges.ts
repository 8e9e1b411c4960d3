// What a worker process holds that runs out before memory or CPU does: file descriptors (a
// WebRTC peer connection opens UDP sockets, a WebSocket a TCP one) and threads (libdatachannel's),
// read from Linux's /proc, and how late its event loop runs. The live scale bench reads these to
// say what limited a run. Elsewhere than Linux the counts are NaN.

import { readdirSync, readFileSync } from 'node:fs'
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks'

/** The lag timer's period, ms. The histogram records each period as it ran, so lag is that minus this. */
const LOOP_RESOLUTION_MS = 10

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return NaN
  }
}

function threads(): number {
  try {
    const line = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))
    return line === null ? NaN : Number(line[1])
  } catch {
    return NaN
  }
}

export interface GaugeFigures {
  /** Event-loop lag from split() (or start()) to the end, ms. */
  loopDelayP50Ms: number
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  /** Event-loop lag from start() to split(), ms; NaN without a split. */
  beforeSplitLoopDelayP99Ms: number
  beforeSplitLoopDelayMaxMs: number
  maxOpenFds: number
  maxThreads: number
}

const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS)

export class ProcessGauges {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  private fds = openFds()
  private threadCount = threads()
  private beforeSplit = { p99: NaN, max: NaN }

  /** Starts timing the event loop (call at time zero); figures() stops it. */
  start(): void {
    this.loop.reset()
    this.loop.enable()
  }

  /** Closes the first phase's lag figures (a run's joins) and times the loop afresh (its publishing). */
  split(): void {
    if (this.loop.count > 0) this.beforeSplit = { p99: ms(this.loop.percentile(99)), max: ms(this.loop.max) }
    this.loop.reset()
  }

  /** Takes the counts now; keeps the highest. */
  sample(): void {
    this.fds = Math.max(this.fds, openFds())
    this.threadCount = Math.max(this.threadCount, threads())
  }

  figures(): GaugeFigures {
    this.loop.disable()
    this.sample()
    const any = this.loop.count > 0
    return {
      loopDelayP50Ms: any ? ms(this.loop.percentile(50)) : NaN,
      loopDelayP99Ms: any ? ms(this.loop.percentile(99)) : NaN,
      loopDelayMaxMs: any ? ms(this.loop.max) : NaN,
      beforeSplitLoopDelayP99Ms: this.beforeSplit.p99,
      beforeSplitLoopDelayMaxMs: this.beforeSplit.max,
      maxOpenFds: this.fds,
      maxThreads: this.threadCount,
    }
  }
}
