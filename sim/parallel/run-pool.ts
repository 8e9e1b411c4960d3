// Runs a list of jobs, several at once in worker threads or one after another in this thread,
// and hands each outcome to the caller in job order, holding back those that finish early: a
// caller that appends a row per outcome writes the same file whatever ran first, and an
// interrupted run of the pool leaves every row up to the first unfinished job, in order.

import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import type { RunJob, RunJobResult } from './run-job.ts'
import type { WorkerReply } from './run-worker.ts'

/** --jobs when not given: one run per core. */
export const DEFAULT_JOBS = availableParallelism()

export type JobOutcome = { ok: true; result: RunJobResult } | { ok: false; error: Error }

export interface PoolOptions {
  /** Runs at once. 1 runs every job in this thread, through `inThread`. */
  jobs: number
  /** Runs job `index` in this thread (jobs = 1): a progress bar, or a live run, can take part there. */
  inThread(index: number): Promise<RunJobResult>
  /** After a failed job, start no other (as a loop that stops at its first error); default: run them all. */
  stopAfterFailure?: boolean
  /** Called as each job finishes, in finishing order, before it is delivered: progress lines. */
  onFinished?(index: number, outcome: JobOutcome): void
}

/** Resolves once every outcome is delivered; rejects with the first error `deliver` throws, after which nothing more is delivered. */
export async function runJobsInOrder(jobs: readonly RunJob[], opts: PoolOptions, deliver: (index: number, outcome: JobOutcome) => Promise<void> | void): Promise<void> {
  if (opts.jobs <= 1 || jobs.length <= 1) {
    for (let index = 0; index < jobs.length; index++) {
      const outcome = await settle(opts.inThread(index))
      opts.onFinished?.(index, outcome)
      await deliver(index, outcome)
      if (!outcome.ok && opts.stopAfterFailure === true) return
    }
    return
  }
  const finished = new Map<number, JobOutcome>()
  let next = 0
  let stopped = false
  let delivered = 0
  let deliveryError: unknown
  let delivery = Promise.resolve()
  const flush = async () => {
    while (deliveryError === undefined && finished.has(delivered)) {
      const outcome = finished.get(delivered)!
      finished.delete(delivered)
      try {
        await deliver(delivered, outcome)
      } catch (error) {
        deliveryError = error
        stopped = true
      }
      delivered++
    }
  }
  const lane = async () => {
    let worker = new RunWorker()
    try {
      while (!stopped && next < jobs.length) {
        const index = next++
        if (worker.dead) worker = new RunWorker()
        const outcome = await worker.run(jobs[index])
        if (!outcome.ok && opts.stopAfterFailure === true) stopped = true
        opts.onFinished?.(index, outcome)
        finished.set(index, outcome)
        delivery = delivery.then(flush)
      }
    } finally {
      await worker.terminate()
    }
  }
  await Promise.all(Array.from({ length: Math.min(opts.jobs, jobs.length) }, lane))
  await delivery
  if (deliveryError !== undefined) throw deliveryError
}

async function settle(run: Promise<RunJobResult>): Promise<JobOutcome> {
  try {
    return { ok: true, result: await run }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) }
  }
}

// Worker threads do not inherit tsx's loader, so each registers it before loading the worker's
// module; both are resolved here, so the worker finds them from any working directory.
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})`
  + `.then(({ register }) => { register(); return import(${JSON.stringify(new URL('./run-worker.ts', import.meta.url).href)}) })`

/** One worker thread, one job at a time. A worker that dies (out of memory) fails its job and is `dead`. */
class RunWorker {
  dead = false
  private readonly worker = new Worker(BOOTSTRAP, { eval: true })
  private pending: ((outcome: JobOutcome) => void) | null = null
  private terminating = false

  constructor() {
    this.worker.on('message', (reply: WorkerReply) => {
      this.settle(reply.ok ? { ok: true, result: reply.result } : { ok: false, error: Object.assign(new Error(reply.message), { stack: reply.stack }) })
    })
    this.worker.on('error', (error) => {
      this.dead = true
      this.settle({ ok: false, error: new Error(`the worker thread running it failed: ${error.message}`, { cause: error }) })
    })
    this.worker.on('exit', (code) => {
      this.dead = true
      if (!this.terminating) this.settle({ ok: false, error: new Error(`the worker thread running it stopped (exit code ${code}) before the run finished`) })
    })
  }

  run(job: RunJob): Promise<JobOutcome> {
    return new Promise((resolve) => {
      this.pending = resolve
      this.worker.postMessage(job)
    })
  }

  async terminate(): Promise<void> {
    this.terminating = true
    await this.worker.terminate()
  }

  private settle(outcome: JobOutcome): void {
    const pending = this.pending
    this.pending = null
    pending?.(outcome)
  }
}
