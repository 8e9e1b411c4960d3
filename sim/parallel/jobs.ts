// How many runs go at once: what --jobs asks, no more than there are runs, and no more than fit
// side by side in this machine's memory by the largest run's estimate.

import { mb, runsThatFit } from '../memory-estimate.ts'

export interface JobsDecision {
  jobs: number
  /** Why fewer than asked, when memory is the reason; for the user. */
  note?: string
}

export function parallelJobs(requested: number, runs: number, largestRunBytes: number): JobsDecision {
  const fit = runsThatFit(largestRunBytes)
  const jobs = Math.max(1, Math.min(requested, runs, fit))
  if (fit >= Math.min(requested, runs)) return { jobs }
  return { jobs, note: `--jobs ${requested}: running ${jobs} at a time, since a run needs up to about ${mb(largestRunBytes)} `
    + `and ${jobs} of them fill 90% of this machine's memory` }
}
