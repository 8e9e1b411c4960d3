// `sim merge DIR... [--out DIR]`: the shards of a sweep (sweep --shard i/n, run as separate
// processes, on other machines, in an array job) put together as the sweep run in one go writes it.

import { mkdirSync } from 'node:fs'
import { mergeShards } from '../sim/results/sweep-merge.ts'
import { newRunDir } from '../sim/results/run-dir.ts'
import { prepareOutputDir } from '../sim/results/output-dir.ts'

/** Exit 0, or 1 when a point broke a budget, as the sweep itself would. */
export function mergeCommand(dirs: readonly string[], out: string | undefined): number {
  if (out !== undefined) prepareOutputDir(out)
  const { record, dir, budgetsBroken } = mergeShards(dirs, (first) => {
    const made = out ?? newRunDir(first.scenario, 'sweep-', first.seed)
    mkdirSync(made, { recursive: true })
    return made
  })
  console.log(`merged ${record.shard.count} shard(s) of ${record.scenario} (${record.points} points${record.seeds === null ? '' : ` x ${record.seeds.length} seeds`}, commit ${record.commit})`)
  if (budgetsBroken > 0) console.log(`${budgetsBroken} budget(s) broken (see budgetsPassed in sweep.csv)`)
  console.log(`results: ${dir}`)
  return budgetsBroken === 0 ? 0 : 1
}
