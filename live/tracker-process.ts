// A live Brubeck tracker as a process:
//   npm run tracker -- --port 7700 [--host 127.0.0.1] [--id t0] [--seed S] [--max-neighbours 4] [--stats-interval-ms 10000]
// Nodes reach it at ws://host:port with its id (see node-process.ts). Ctrl-C stops it.

import { parseArgs } from 'node:util'
import { LiveTracker } from './live-tracker.ts'

const USAGE = 'usage: npm run tracker -- --port N [--host 127.0.0.1] [--id t0] [--seed S] [--max-neighbours 4] [--stats-interval-ms 10000]'

function fail(message: string): never {
  console.error(`error: ${message}\n${USAGE}`)
  process.exit(2)
}

function intOption(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got "${value}"`)
  return n
}

async function main(): Promise<void> {
  let args
  try {
    args = parseArgs({
      options: {
        port: { type: 'string' }, host: { type: 'string' }, id: { type: 'string' }, seed: { type: 'string' },
        'max-neighbours': { type: 'string' }, 'stats-interval-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (error) {
    fail((error as Error).message)
  }
  if (args.help === true) {
    console.log(USAGE)
    return
  }
  const port = intOption(args.port, 'port', 7700, 0)
  if (port > 65535) fail(`--port must be <= 65535, got ${port}`)
  const maxNeighbours = intOption(args['max-neighbours'], 'max-neighbours', 4, 1)
  const statsIntervalMs = intOption(args['stats-interval-ms'], 'stats-interval-ms', 10_000, 0)
  const id = args.id ?? 't0'
  let tracker: LiveTracker
  try {
    tracker = await LiveTracker.start({
      id, host: args.host ?? '127.0.0.1', port, tracker: { maxNeighbours },
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      onError: (error, where) => console.error(`[${id}] ${where}:`, error),
    })
  } catch (error) {
    console.error(`error: cannot listen on ${args.host ?? '127.0.0.1'}:${port}: ${(error as Error).message}`)
    process.exit(3)
  }
  console.log(`tracker ${id} listening on ${tracker.url} (seed ${tracker.random.seed})`)
  const stats = statsIntervalMs > 0 ? setInterval(() => {
    const s = tracker.tracker.stats
    const parts = tracker.tracker.streamPartIds().map((sp) => `${sp}: ${tracker.tracker.overlay(sp).size} nodes`).join(', ')
    console.log(`${id}: ${tracker.tracker.linkedNodes().length} linked; ${parts || 'no stream parts'}; statuses ${s.statusesReceived}, `
      + `instructions ${s.instructionsSent}, signals relayed ${s.signalsRelayed} (dropped ${s.signalsDropped}), malformed ${s.malformedReceived}`)
  }, statsIntervalMs) : undefined
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    clearInterval(stats)
    console.log(`tracker ${id} stopping`)
    await tracker.stop()
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
}

await main()
