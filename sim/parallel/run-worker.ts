// A worker thread of the run pool: runs each job it is sent, one at a time, and answers with the
// result or the error. The pool (run-pool.ts) starts it with tsx registered.

import { parentPort } from 'node:worker_threads'
import { runJob, type RunJob } from './run-job.ts'

export type WorkerReply = { ok: true; result: Awaited<ReturnType<typeof runJob>> } | { ok: false; message: string; stack?: string }

const port = parentPort
if (port === null) throw new Error('run-worker.ts runs in a worker thread of the run pool, not on its own')
port.on('message', (job: RunJob) => {
  runJob(job).then(
    (result) => port.postMessage({ ok: true, result } satisfies WorkerReply),
    (error: unknown) => port.postMessage({
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    } satisfies WorkerReply),
  )
})
