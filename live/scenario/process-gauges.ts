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
  loopDelayP50Ms: number
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  maxOpenFds: number
  maxThreads: number
}

export class ProcessGauges {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  private fds = openFds()
  private threadCount = threads()

  /** Starts timing the event loop (call at time zero); figures() stops it. */
  start(): void {
    this.loop.reset()
    this.loop.enable()
  }

  /** Takes the counts now; keeps the highest. */
  sample(): void {
    this.fds = Math.max(this.fds, openFds())
    this.threadCount = Math.max(this.threadCount, threads())
  }

  figures(): GaugeFigures {
    this.loop.disable()
    this.sample()
    const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS)
    const any = this.loop.count > 0
    return {
      loopDelayP50Ms: any ? ms(this.loop.percentile(50)) : NaN,
      loopDelayP99Ms: any ? ms(this.loop.percentile(99)) : NaN,
      loopDelayMaxMs: any ? ms(this.loop.max) : NaN,
      maxOpenFds: this.fds,
      maxThreads: this.threadCount,
    }
  }
}
