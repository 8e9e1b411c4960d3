// `npm run viz -- [RESULTS_DIR] [--port N] [--host H]`: the explorer over a results folder.

import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { portInUse } from '../sim/input-error.ts'
import { DEFAULT_EXPLORER_PORT, buildApp } from '../viz/app.ts'
import { LOOPBACK_HOST, UsageError, portOption, runCommand } from './options.ts'

const USAGE = `usage: npm run viz -- [RESULTS_DIR] [--port N (default ${DEFAULT_EXPLORER_PORT}, 0 = any free)] [--host ${LOOPBACK_HOST}]`

export interface VizArgs { resultsDir: string; port: number; host: string; help: boolean }

export function parseVizArgs(argv: string[]): VizArgs {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  })
  if (positionals.length > 1) throw new UsageError(`unexpected argument(s): ${positionals.slice(1).join(' ')}`)
  return {
    resultsDir: resolve(positionals[0] ?? 'results'),
    port: portOption(values.port, '--port', DEFAULT_EXPLORER_PORT),
    host: values.host ?? LOOPBACK_HOST,
    help: values.help,
  }
}

async function main(): Promise<number> {
  const args = parseVizArgs(process.argv.slice(2))
  if (args.help) {
    console.log(USAGE)
    return 0
  }
  const app = buildApp({ resultsDir: args.resultsDir })
  let address: string
  try {
    address = await app.listen({ port: args.port, host: args.host })
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') throw portInUse(args.port, args.host)
    throw error
  }
  console.log(`Explorer for ${args.resultsDir} at ${address.replace('[::1]', 'localhost')}/`)
  const stop = () => { void app.close().then(() => process.exit(0)) }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return 0
}

if (process.argv[1]?.endsWith('cli/viz.ts')) runCommand(main, USAGE)
