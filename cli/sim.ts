// `npm run sim -- <command> ...`: the command line of the testbed.
// Exit codes: 0 fine, 1 a budget broke, 2 bad input (scenario, flags), 3 the run itself failed.

import { parseArgs } from 'node:util'
import { expandSweep, loadScenario } from '../sim/scenario/load.ts'
import { DEFAULT_EXPLORER_PORT } from '../viz/app.ts'
import { InputError, UsageError, integerOption, portOption, runCommand } from './options.ts'
import { assertFitsInMemory, estimateMemory } from '../sim/memory-estimate.ts'
import { MAX_SEEDS, replicationSeeds } from '../sim/scenario/seeds.ts'
import { BUDGET_JUDGEMENTS, type BudgetJudgement } from '../sim/results/budget-check.ts'
import { parseShard, shardFromEnvironment, shardPointIndices } from '../sim/results/sweep-shard.ts'
import { DEFAULT_JOBS } from '../sim/parallel/run-pool.ts'
import { parallelJobs } from '../sim/parallel/jobs.ts'
import { mergeCommand } from './merge-command.ts'
import { prepareOutputDir } from '../sim/results/output-dir.ts'
import { usesMessageLayer } from '../sim/simulation.ts'
import { checkCommand, runScenarioCommand, type RunCommandOptions } from './run-command.ts'
import { sweepCommand } from './sweep-command.ts'
import { compareCommand } from './compare-command.ts'
import { DESIGNS, DEFAULT_SEEDS } from '../sim/results/compare-designs.ts'
import { reportCommand } from './report-command.ts'
import { liveViewHooks } from './live-view.ts'
import { prepareBaseline, type BaselineOptions } from './baseline-check.ts'

/** More runs at once than this is a typo: each one is a worker thread with a heap of its own. */
const MAX_JOBS = 256

const HELP: Record<string, string> = {
  main: `Block RTC testbed simulator

usage: npm run sim -- <command> [options]

commands:
  run FILE      run a scenario, write results/<scenario>/<run-id>/, print a summary
  check FILE    run a scenario (every sweep point) and judge its budgets (and --baseline): exit 1 if any breaks
  sweep FILE    run every point of the scenario's sweep grid; one table row and CSV row per point
  merge DIR...  put the folders of a sweep's shards (sweep --shard i/n) together as one sweep folder
  compare FILE  run the scenario over each overlay design and seed; compare.csv, compare.md, compare.json
  report DIR    write DIR/report.html: one self-contained file with the summary and charts

'npm run sim -- <command> --help' tells more. Exit codes: 0 ok, 1 budget broken, 2 bad input, 3 run failed.`,
  run: `usage: npm run sim -- run FILE [--seed N] [--out DIR] [--set a.b=value ...] [--quiet] [--viz [--port N]] [--transport live [--workers N]] [--max-memory-mb N] [--dry-run]

  --seed N          use seed N instead of the file's (same as --set seed=N)
  --out DIR         write the results into DIR (new or empty) instead of results/<scenario>/<run-id>/
  --set a.b=value   override any field; value is YAML (--set network.latency.model=fixed --set network.latency.ms=20)
  --quiet           no progress bar
  --viz             stream the run to the explorer (printed URL), paced by the speed chosen in the page
  --port N          port for --viz (default ${DEFAULT_EXPLORER_PORT}; 0 = any free port)
  --max-memory-mb N refuse (exit 2) a run whose memory estimate exceeds N MB; default: the Node.js
                    heap limit + 1 GB (raise the heap with NODE_OPTIONS=--max-old-space-size=N)
  --dry-run         check everything (scenario, files it names, sweep points, memory) and stop
  --transport live  run real nodes on this machine in real time (WebRTC on loopback, trackers over
                    WebSocket) instead of the simulator; same metrics and files. Also for check and sweep
  --workers N       live: worker processes for the nodes (default: one per 20 nodes, at most one per core)`,
  check: `usage: npm run sim -- check FILE [--seed N] [--seeds N [--budgets-on every-seed|mean]] [--jobs N] [--baseline B.json [--tolerance T ...]] [--save-baseline B.json] [--out DIR] [--set a.b=value ...] [--quiet] [--transport live [--workers N]] [--max-memory-mb N] [--dry-run]

Runs the scenario (each point, if it has a sweep) and prints every budget: metric, operator,
limit, measured value, pass or FAIL. Exit 0 when all hold, 1 when any breaks, 2 on a bad scenario
(or one with neither budgets nor --baseline/--save-baseline). Options as for run, --seeds,
--budgets-on and --jobs as for sweep, and:

  --baseline FILE       compare each point's headline metrics with FILE (written by --save-baseline):
                        exit 1 when one is worse by more than its tolerance; a baseline of another
                        scenario, seed or parameters is refused (exit 2) before anything runs
  --tolerance T         how much worse a metric may get: N% of the baseline's value or N in the
                        metric's unit; METRIC=T for one metric (repeatable). Default 0: exact
  --save-baseline FILE  write this run's metrics as a baseline (after comparing, with --baseline)
Baselines: simulated runs only (not --transport live), one seed per point (not --seeds). Wall-clock
fields are never stored or compared.`,
  sweep: `usage: npm run sim -- sweep FILE [--seed N] [--seeds N [--budgets-on every-seed|mean]] [--jobs N] [--shard i/n] [--out DIR] [--set a.b=value ...] [--quiet] [--transport live [--workers N]] [--max-memory-mb N] [--dry-run]

Runs every point of the file's 'sweep:' grid (cartesian product, last key fastest). Writes
results/<scenario>/sweep-<id>/sweep.csv (one row per point) and one run folder per point.
Exit 1 when any point breaks a budget. Options as for run, and:

  --jobs N          runs at once, each in a worker thread (default: the ${DEFAULT_JOBS} cores here; fewer when
                    their memory estimates do not fit side by side); the files are the same as with --jobs 1
  --seeds N         run every point with seeds seed .. seed+N-1 (or the file's seeds: list); sweep.csv
                    then has each metric's mean, sd and 95% CI, sweep-runs.csv a row per point and seed
  --budgets-on HOW  with seeds: every-seed (default; each seed's run must hold every budget) or mean
                    (the mean over the seeds must)
  --shard i/n       run only the points k (from 0) with k mod n = i, 0 <= i < n, and write shard.json
                    for merge; without it, SLURM_ARRAY_TASK_ID (from the array's first id) and
                    SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX and JOB_COMPLETIONS, name the shard`,
  merge: `usage: npm run sim -- merge DIR... [--out DIR]

Puts the folders of every shard of one sweep (written by sweep --shard i/n) together: sweep.csv
(and sweep-runs.csv) with the rows in point order and every point's folder, as the sweep run in
one go writes them. Refuses (exit 2) shards of different scenarios, seeds, versions or commits,
a shard given twice, a missing or unfinished one. Exit 1 when a point broke a budget.

  --out DIR         write into DIR (new or empty) instead of results/<scenario>/sweep-<id>/`,
  compare: `usage: npm run sim -- compare FILE [--designs static,tracker,dht,dht-ring,dht-plumtree] [--seeds N] [--seed N] [--jobs N] [--out DIR] [--set a.b=value ...] [--quiet] [--max-memory-mb N] [--dry-run]

Runs the scenario's nodes, latency, churn and workload over each design, for seeds seed .. seed+N-1,
and writes results/<scenario>/compare-<id>/: one run folder per design and seed (<design>-seed<N>),
compare.csv (one row per run), compare.md (a row per design: mean ± 95% CI over seeds) and
compare.json (the same, and latency CDFs, for the explorer). Every design and seed is checked before
the first run. Exit 0 when every run finished, 3 when any failed (the others' results are kept);
budgets are not judged.

  --designs LIST    comma-separated, in the order to run (default: all):
${Object.entries(DESIGNS).map(([name, d]) => `                      ${name.padEnd(13)} ${Object.entries(d.overrides).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`).join('\n')}
  --seeds N         seeds per design (default ${DEFAULT_SEEDS}), from the scenario's seed (or --seed) up
  --seed N          the first seed (same as --set seed=N)
  --jobs N          runs at once, each in a worker thread (default: the ${DEFAULT_JOBS} cores here); the same files
  --out DIR         write into DIR (new or empty) instead of results/<scenario>/compare-<id>/
  --set a.b=value   override any field for every design; a design's own fields win over it
  --quiet           no progress bar
  --max-memory-mb N refuse (exit 2) when a design's run is estimated above N MB
  --dry-run         check the scenario, every design and seed, memory and the output folder; run nothing`,
  report: `usage: npm run sim -- report RUN_DIR [--out FILE]

Writes one self-contained HTML file (default RUN_DIR/report.html) with the run's summary and
charts; it opens from disk with no server.`,
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      out: { type: 'string' },
      set: { type: 'string', multiple: true },
      quiet: { type: 'boolean', default: false },
      viz: { type: 'boolean', default: false },
      port: { type: 'string' },
      transport: { type: 'string' },
      workers: { type: 'string' },
      'max-memory-mb': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      designs: { type: 'string' },
      seeds: { type: 'string' },
      jobs: { type: 'string' },
      'budgets-on': { type: 'string' },
      shard: { type: 'string' },
      baseline: { type: 'string' },
      'save-baseline': { type: 'string' },
      tolerance: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const [command, target, ...extra] = positionals
  if (command === undefined || command === 'help') {
    console.log(HELP[target ?? 'main'] ?? HELP.main)
    return command === undefined && !values.help ? 2 : 0
  }
  if (!(command in HELP) || command === 'main') return usage(`unknown command "${command}"`)
  if (values.help) {
    console.log(HELP[command])
    return 0
  }
  if (command === 'merge') {
    if (target === undefined) return usage('merge needs the folders of the shards', command)
    const refused = (['seed', 'set', 'viz', 'port', 'transport', 'workers', 'max-memory-mb', 'designs', 'seeds', 'jobs', 'budgets-on', 'shard'] as const)
      .find((flag) => values[flag] !== undefined && values[flag] !== false)
    if (refused !== undefined) return usage(`--${refused} does not go with merge`, command)
    return mergeCommand([target, ...extra], values.out)
  }
  if (target === undefined) return usage(`${command} needs a ${command === 'report' ? 'run folder' : 'scenario file'}`, command)
  if (extra.length > 0) return usage(`unexpected argument(s): ${extra.join(' ')}`, command)
  if (command === 'report') return reportCommand(target, values.out)
  if (command !== 'compare' && values.designs !== undefined) return usage('--designs goes with compare', command)
  const onlyWith = (flag: 'seeds' | 'jobs' | 'budgets-on' | 'shard', commands: readonly string[]) =>
    values[flag] !== undefined && !commands.includes(command) ? usage(`--${flag} goes with ${commands.join(', ').replace(/, (\w+)$/, ' and $1')}`, command) : undefined
  const misplaced = onlyWith('seeds', ['sweep', 'check', 'compare']) ?? onlyWith('jobs', ['sweep', 'check', 'compare'])
    ?? onlyWith('budgets-on', ['sweep', 'check']) ?? onlyWith('shard', ['sweep'])
  if (misplaced !== undefined) return misplaced
  let seedCount: number | undefined
  let jobs: number
  try {
    seedCount = integerOption(values.seeds, '--seeds', undefined, 1, MAX_SEEDS)
    jobs = integerOption(values.jobs, '--jobs', DEFAULT_JOBS, 1, MAX_JOBS)
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message, command)
    throw error
  }
  const baselineFlag = (['baseline', 'save-baseline', 'tolerance'] as const).find((flag) => values[flag] !== undefined)
  if (baselineFlag !== undefined && command !== 'check') return usage(`--${baselineFlag} goes with check`, command)

  const set = [...(values.set ?? [])]
  if (values.seed !== undefined) set.push(`seed=${values.seed}`)
  if (command === 'compare') {
    const refused = (['viz', 'transport', 'workers', 'port'] as const).find((flag) => values[flag] !== undefined && values[flag] !== false)
    if (refused !== undefined) return usage(`--${refused} does not go with compare (it runs the simulator)`, command)
    let maxMemoryMb: number | undefined
    try {
      maxMemoryMb = integerOption(values['max-memory-mb'], '--max-memory-mb', undefined, 1)
    } catch (error) {
      if (error instanceof UsageError) return usage(error.message, command)
      throw error
    }
    try {
      return await compareCommand({ file: target, set, designs: values.designs, seeds: seedCount, jobs, out: values.out, quiet: values.quiet, maxMemoryMb, dryRun: values['dry-run'] })
    } catch (error) {
      if (error instanceof UsageError) return usage(error.message, command)
      throw error
    }
  }
  const scenario = loadScenario(target, { set })
  const transport = values.transport ?? 'sim'
  if (transport !== 'sim' && transport !== 'live') return usage(`--transport: expected sim or live, got "${transport}"`, command)
  let workers: number | undefined
  let maxMemoryMb: number | undefined
  let port: number
  try {
    workers = integerOption(values.workers, '--workers', undefined, 1)
    maxMemoryMb = integerOption(values['max-memory-mb'], '--max-memory-mb', undefined, 1)
    port = portOption(values.port, '--port', DEFAULT_EXPLORER_PORT)
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message, command)
    throw error
  }
  if (workers !== undefined && transport !== 'live') return usage('--workers goes with --transport live', command)
  if (baselineFlag !== undefined && transport === 'live') return usage(`--${baselineFlag} holds simulated metrics; a live run's depend on the machine, so it does not go with --transport live`, command)
  if (values.viz) {
    if (transport === 'live') return usage('--viz streams a simulated run; it does not go with --transport live', command)
    if (command !== 'run') return usage('--viz goes with run', command)
  }
  if (transport === 'live') {
    if (values.jobs !== undefined && jobs > 1) return usage('--jobs goes with the simulator; live runs take the machine one at a time', command)
    jobs = 1
  }
  const seeds = command === 'run' ? undefined : replicationSeeds(scenario, seedCount)
  const budgetsOn = values['budgets-on'] ?? 'every-seed'
  if (!(BUDGET_JUDGEMENTS as readonly string[]).includes(budgetsOn)) return usage(`--budgets-on: expected ${BUDGET_JUDGEMENTS.join(' or ')}, got "${budgetsOn}"`, command)
  if (values['budgets-on'] !== undefined && seeds === undefined) return usage('--budgets-on goes with seeds (--seeds N, or seeds: in the scenario file)', command)
  if (baselineFlag !== undefined && seeds !== undefined) return usage(`--${baselineFlag} holds one run per point; it does not go with seeds (--seeds N, or seeds: in the scenario file)`, command)
  const shardFrom = command !== 'sweep' ? undefined
    : values.shard !== undefined ? { shard: parseShard(values.shard), from: '--shard' } : shardFromEnvironment()
  // Everything that can be known wrong is checked before the first point runs: the memory each
  // point needs, budgets to check, the output folder.
  const points = expandSweep(command === 'run' ? { ...scenario, sweep: undefined } : scenario)
  if (transport === 'sim') for (const { scenario: s } of points) assertFitsInMemory(s, usesMessageLayer(s), maxMemoryMb)
  else {
    const { assertLiveRunnable } = await import('../live/scenario/live-compatibility.ts')
    for (const { scenario: s } of points) assertLiveRunnable(s)
  }
  if (command === 'sweep' && scenario.sweep === undefined && seeds === undefined) {
    throw new InputError(`${target}: sweep: got nothing, expected a sweep: grid of field -> values for the sweep command (or seeds to replicate the scenario over, or use run)`)
  }
  if (command === 'check' && baselineFlag === undefined && points.every(({ scenario: s }) => s.budgets.length === 0)) {
    throw new InputError(`${target}: budgets: got none, expected at least one budget for check to judge (add budgets:, give --baseline, or use run)`)
  }
  let baseline: BaselineOptions | undefined
  try {
    baseline = prepareBaseline(values, scenario, points)
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message, command)
    throw error
  }
  const pointsRun = shardPointIndices(points.length, shardFrom?.shard).length
  const runs = pointsRun * (seeds?.length ?? 1)
  const estimate = transport === 'sim' ? Math.max(...points.map(({ scenario: s }) => estimateMemory(s, usesMessageLayer(s)).bytes)) : NaN
  const decision = transport === 'sim' ? parallelJobs(jobs, runs, estimate) : { jobs: 1 }
  const shardNote = shardFrom === undefined ? '' : ` (shard ${shardFrom.shard.index}/${shardFrom.shard.count} from ${shardFrom.from}: ${pointsRun} of ${points.length} points)`
  if (values['dry-run']) {
    console.log(`${command} ${target}: valid; would run ${points.length} point(s)${shardNote}${seeds === undefined ? '' : ` x ${seeds.length} seed(s)`} of ${scenario.name} `
      + `(protocol ${scenario.protocol}, seed ${scenario.seed}) ${transport === 'live' ? 'live' : `in the simulator, ${command === 'run' ? '' : decision.jobs === 1 ? 'one at a time, ' : `${decision.jobs} at a time, `}`
      + `about ${Math.round(estimate / 1e6).toLocaleString('en-US')} MB at most${decision.jobs === 1 ? '' : ' each'}`}; nothing was run`)
    return 0
  }
  if (decision.note !== undefined) console.error(`note: ${decision.note}`)
  if (shardFrom !== undefined && !values.quiet) console.error(`sweep: shard ${shardFrom.shard.index}/${shardFrom.shard.count} from ${shardFrom.from}: ${pointsRun} of ${points.length} points`)
  if (values.out !== undefined) prepareOutputDir(values.out)
  const opts: RunCommandOptions = { out: values.out, quiet: values.quiet, transport, workers, baseline }
  const pointOpts = { ...opts, jobs: decision.jobs, seeds, budgetsOn: budgetsOn as BudgetJudgement }
  if (values.viz) {
    const live = await liveViewHooks(port)
    try {
      // The page replays receipts, so a live run always records them.
      return await runScenarioCommand({ ...scenario, record: { ...scenario.record, deliveries: true } }, { ...opts, hooks: live.hooks })
    } finally {
      await live.finish()
    }
  }
  switch (command) {
    case 'run': return runScenarioCommand(scenario, opts)
    case 'check': return checkCommand(scenario, pointOpts)
    default: return sweepCommand(scenario, { ...pointOpts, shard: shardFrom?.shard })
  }
}

function usage(problem: string, command = 'main'): number {
  console.error(`error: ${problem}\n\n${HELP[command]}`)
  return 2
}

runCommand(() => main(process.argv.slice(2)), HELP.main)
