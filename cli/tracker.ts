// A live Brubeck tracker as a process:
//   npm run tracker -- --port 7700 [--host 127.0.0.1] [--id t0] [--seed S] [--max-neighbours 4] [--max-per-address 16]
//                      [--stats-interval-ms 10000] [--key-file keys/<id>.key]
// Nodes reach it at ws://host:port with its id (see cli/node.ts). It proves its key on every link,
// and nodes bind its id to that key, so the key file (created on first start) must outlive
// restarts. Ctrl-C stops it.

import { parseArgs } from 'node:util'
import { BRUBECK } from '../core/protocol-era.ts'
import { keyPairFromPrivateKey } from '../core/message-layer/identity.ts'
import { DEFAULT_KEY_DIR, processKey } from '../live/key-file.ts'
import { DEFAULT_TRACKER_PORT, DEFAULT_TRACKER_SOCKETS_PER_ADDRESS, LiveTracker } from '../live/live-tracker.ts'
import { logText } from '../live/log-text.ts'
import { LOOPBACK_HOST, integerOption, portOption, runCommand } from './options.ts'

/** How often the tracker prints its one-line state. */
const DEFAULT_STATS_INTERVAL_MS = 10_000

const USAGE = `usage: npm run tracker -- --port N (default ${DEFAULT_TRACKER_PORT}) [--host ${LOOPBACK_HOST}] [--id t0] [--seed S] `
  + `[--max-neighbours ${BRUBECK.tracker!.maxNeighbours}] [--max-per-address ${DEFAULT_TRACKER_SOCKETS_PER_ADDRESS}] [--stats-interval-ms ${DEFAULT_STATS_INTERVAL_MS}] [--key-file ${DEFAULT_KEY_DIR}/<id>.key]`

async function main(): Promise<number> {
  const args = parseArgs({
    options: {
      port: { type: 'string' }, host: { type: 'string' }, id: { type: 'string' }, seed: { type: 'string' },
      'max-neighbours': { type: 'string' }, 'max-per-address': { type: 'string' }, 'stats-interval-ms': { type: 'string' }, 'key-file': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values
  if (args.help === true) {
    console.log(USAGE)
    return 0
  }
  const port = portOption(args.port, '--port', DEFAULT_TRACKER_PORT)
  const maxNeighbours = integerOption(args['max-neighbours'], '--max-neighbours', BRUBECK.tracker!.maxNeighbours, 1)
  const maxSocketsPerAddress = integerOption(args['max-per-address'], '--max-per-address', DEFAULT_TRACKER_SOCKETS_PER_ADDRESS, 1)
  const statsIntervalMs = integerOption(args['stats-interval-ms'], '--stats-interval-ms', DEFAULT_STATS_INTERVAL_MS, 0)
  const id = args.id ?? 't0'
  // Only the key file: BRTC_PRIVATE_KEY is a node's, and a tracker signing as a node would be a mistake.
  const key = processKey({ keyFile: args['key-file'] ?? `${DEFAULT_KEY_DIR}/${id}.key`, insecureTestKeys: false, env: {} })
  const identity = keyPairFromPrivateKey(key.privateKey!)
  let tracker: LiveTracker
  try {
    tracker = await LiveTracker.start({
      id, host: args.host ?? LOOPBACK_HOST, port, tracker: { maxNeighbours }, websocket: { maxSocketsPerAddress, identity },
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      onError: (error, where) => console.error(`[${id}] ${where}:`, error),
    })
  } catch (error) {
    console.error(`error: cannot listen on ${args.host ?? LOOPBACK_HOST}:${port}: ${(error as Error).message}`)
    return 3
  }
  console.log(`tracker ${id} listening on ${tracker.url} (seed ${tracker.random.seed}; key ${identity.address} from ${key.source})`)
  const stats = statsIntervalMs > 0 ? setInterval(() => {
    const s = tracker.tracker.stats
    const parts = tracker.tracker.streamPartIds().map((sp) => `${logText(sp)}: ${tracker.tracker.overlay(sp).size} nodes`).join(', ')
    console.log(`${id}: ${tracker.tracker.linkedNodes().length} linked; ${parts || 'no stream parts'}; statuses ${s.statusesReceived}, `
      + `instructions ${s.instructionsSent}, signals relayed ${s.signalsRelayed} (dropped ${s.signalsDropped}), malformed ${s.malformedReceived}, `
      + `sockets refused (over ${maxSocketsPerAddress} per address) ${tracker.transport.socketsRefused}, `
      + `links refused (proof of identity) ${tracker.transport.stats.proofsRefused + tracker.transport.stats.proofTimeouts}`)
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
  return 0
}

runCommand(main, USAGE)
