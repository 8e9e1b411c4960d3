// `npm run sim -- <command> ...`: the command line of the testbed.
// Exit codes: 0 fine, 1 a budget broke, 2 bad input (scenario, flags), 3 the run itself failed.

import { parseArgs } from 'node:util'
import { loadScenario, ScenarioErrors } from './scenario/load.ts'
import { checkCommand, runCommand, type RunCommandOptions } from './cli/run-command.ts'
import { sweepCommand } from './cli/sweep-command.ts'
import { reportCommand } from './cli/report-command.ts'
import { liveViewHooks } from './cli/live-view.ts'

const HELP: Record<string, string> = {
  main: `Block RTC testbed simulator

usage: npm run sim -- <command> [options]

commands:
  run FILE      run a scenario, write results/<scenario>/<run-id>/, print a summary
  check FILE    run a scenario (every sweep point) and judge its budgets: exit 1 if any breaks
  sweep FILE    run every point of the scenario's sweep grid; one table row and CSV row per point
  report DIR    write DIR/report.html: one self-contained file with the summary and charts

'npm run sim -- <command> --help' tells more. Exit codes: 0 ok, 1 budget broken, 2 bad input, 3 run failed.`,
  run: `usage: npm run sim -- run FILE [--seed N] [--out DIR] [--set a.b=value ...] [--quiet] [--viz [--port N]] [--transport live [--workers N]]

  --seed N          use seed N instead of the file's (same as --set seed=N)
  --out DIR         write the results into DIR instead of results/<scenario>/<run-id>/
  --set a.b=value   override any field; value is YAML (--set network.latency.model=fixed --set network.latency.ms=20)
  --quiet           no progress bar
  --viz             stream the run to the explorer (printed URL), paced by the speed chosen in the page
  --port N          port for --viz (default 7600; 0 = any free port)
  --transport live  run real nodes on this machine in real time (WebRTC on loopback, trackers over
                    WebSocket) instead of the simulator; same metrics and files. Also for check and sweep
  --workers N       live: worker processes for the nodes (default: one per 20 nodes, at most one per core)`,
  check: `usage: npm run sim -- check FILE [--seed N] [--out DIR] [--set a.b=value ...] [--quiet] [--transport live [--workers N]]

Runs the scenario (each point, if it has a sweep) and prints every budget: metric, operator,
limit, measured value, pass or FAIL. Exit 0 when all hold, 1 when any breaks, 2 on a bad scenario.`,
  sweep: `usage: npm run sim -- sweep FILE [--seed N] [--out DIR] [--set a.b=value ...] [--quiet] [--transport live [--workers N]]

Runs every point of the file's 'sweep:' grid (cartesian product, last key fastest). Writes
results/<scenario>/sweep-<id>/sweep.csv (one row per point) and one run folder per point.
Exit 1 when any point breaks a budget.`,
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
  if (target === undefined) return usage(`${command} needs a ${command === 'report' ? 'run folder' : 'scenario file'}`, command)
  if (extra.length > 0) return usage(`unexpected argument(s): ${extra.join(' ')}`, command)
  if (command === 'report') return reportCommand(target, values.out)

  const set = [...(values.set ?? [])]
  if (values.seed !== undefined) set.push(`seed=${values.seed}`)
  const scenario = loadScenario(target, { set })
  const transport = values.transport ?? 'sim'
  if (transport !== 'sim' && transport !== 'live') return usage(`--transport: expected sim or live, got "${transport}"`, command)
  const workers = values.workers === undefined ? undefined : Number(values.workers)
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) return usage(`--workers: expected an integer >= 1, got "${values.workers}"`, command)
  if (workers !== undefined && transport !== 'live') return usage('--workers goes with --transport live', command)
  const opts: RunCommandOptions = { out: values.out, quiet: values.quiet, transport, workers }
  if (values.viz) {
    if (transport === 'live') return usage('--viz streams a simulated run; it does not go with --transport live', command)
    if (command !== 'run') return usage('--viz goes with run', command)
    const port = values.port === undefined ? undefined : Number(values.port)
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) return usage(`--port: expected an integer 0..65535, got "${values.port}"`, command)
    const live = await liveViewHooks(port)
    try {
      // The page replays receipts, so a live run always records them.
      return await runCommand({ ...scenario, record: { ...scenario.record, deliveries: true } }, { ...opts, hooks: live.hooks })
    } finally {
      await live.finish()
    }
  }
  switch (command) {
    case 'run': return runCommand(scenario, opts)
    case 'check': return checkCommand(scenario, opts)
    default: return sweepCommand(scenario, opts)
  }
}

function usage(problem: string, command = 'main'): number {
  console.error(`error: ${problem}\n\n${HELP[command]}`)
  return 2
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (error: unknown) => {
    if (error instanceof ScenarioErrors) {
      console.error(`error: ${error.message}`)
      process.exitCode = 2
    } else if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`error: ${error.message}\n\n${HELP.main}`)
      process.exitCode = 2
    } else {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error)
      process.exitCode = 3
    }
  },
)
