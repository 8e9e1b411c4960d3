// `npm run viz -- [RESULTS_DIR] [--port N] [--host H]`: the explorer over a results directory.

import { resolve } from 'node:path'
import { portInUse } from '../sim/input-error.ts'
import { buildApp } from './app.ts'

export interface ServerArgs { resultsDir: string; port: number; host: string }

export function parseArgs(argv: string[]): ServerArgs {
  const out: ServerArgs = { resultsDir: 'results', port: 7600, host: '127.0.0.1' }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--port') {
      const p = Number(value())
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error('--port must be an integer 0..65535 (0: any free port)')
      out.port = p
    } else if (a === '--host') out.host = value()
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run viz -- [RESULTS_DIR] [--port N (default 7600, 0 = any free)] [--host 127.0.0.1]')
      process.exit(0)
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`)
    else out.resultsDir = a
  }
  out.resultsDir = resolve(out.resultsDir)
  return out
}

async function main(): Promise<void> {
  let args: ServerArgs
  try { args = parseArgs(process.argv.slice(2)) } catch (e) {
    console.error(`viz: ${(e as Error).message}`)
    process.exit(2)
  }
  const app = buildApp({ resultsDir: args.resultsDir })
  let address: string
  try {
    address = await app.listen({ port: args.port, host: args.host })
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      console.error(`viz: ${portInUse(args.port, args.host).message}`)
      process.exit(2)
    }
    throw error
  }
  console.log(`Explorer for ${args.resultsDir} at ${address.replace('[::1]', 'localhost')}/`)
  const stop = () => { void app.close().then(() => process.exit(0)) }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('viz/server.ts')) await main()
