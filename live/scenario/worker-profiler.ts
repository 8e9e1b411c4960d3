// A V8 CPU profile of a worker's run, from its nodes being built (just before time zero) to the
// end, not its start-up (loading and
// compiling the modules costs a worker seconds of CPU that say nothing about the nodes), written
// as <dir>/worker-<k>.cpuprofile for Chrome DevTools or bench/cpu-profile-summary.ts. Through
// node:inspector's Profiler, in the worker's own thread.

import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'

/** Sampling interval, µs: V8's default (1 ms) misses the short native calls a link makes. */
const SAMPLING_INTERVAL_US = 250

export class WorkerProfiler {
  private readonly session = new Session()

  constructor(private readonly dir: string, private readonly worker: number) {}

  async start(): Promise<void> {
    this.session.connect()
    await this.session.post('Profiler.enable')
    await this.session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US })
    await this.session.post('Profiler.start')
  }

  /** Stops profiling and writes the file; returns its path. */
  async stop(): Promise<string> {
    const { profile } = await this.session.post('Profiler.stop')
    this.session.disconnect()
    mkdirSync(this.dir, { recursive: true })
    const file = join(this.dir, `worker-${this.worker}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    return file
  }
}
