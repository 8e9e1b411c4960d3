// The stream registry: a local chain running the StreamRegistry contract, and the commands that
// change it with signed transactions.
//   npm run registry -- [serve] [--port 8545] [--host 127.0.0.1] [--block-time-ms 2000] [--chain-id 31337]
//   npm run registry -- create-stream STREAM [--rpc URL] [--key-file F] [--address A]
//   npm run registry -- grant STREAM USER publish|subscribe [--expires WHEN] ...
//   npm run registry -- revoke STREAM USER publish|subscribe ...
//   npm run registry -- make-public STREAM ...
//   npm run registry -- allows STREAM USER publish|subscribe [--rpc URL] [--address A]
//   npm run registry -- address [--key-file F]     (the key's address, for grants; the key file is made if missing, as a node makes it)

import { parseArgs } from 'node:util'
import { keyPairFromPrivateKey } from '../core/message-layer/identity.ts'
import type { Permission } from '../core/security/stream-registry.ts'
import { DEFAULT_KEY_DIR, processKey } from '../live/key-file.ts'
import { DEFAULT_BLOCK_TIME_MS, DEFAULT_CHAIN_ID } from '../live/registry/local-chain.ts'
import { DEFAULT_REGISTRY_ADDRESS, NEVER_EXPIRES, registryCalls, registryResult } from '../live/registry/registry-contract.ts'
import { DEFAULT_REGISTRY_PORT, startRegistryService } from '../live/registry/registry-service.ts'
import { JsonRpcClient, RpcCallError } from '../live/registry/rpc-client.ts'
import { TransactionFailed, sendRegistryTransaction } from '../live/registry/registry-transactions.ts'
import { LOOPBACK_HOST, RunFailure, UsageError, integerOption, portOption, runCommand } from './options.ts'

const DEFAULT_RPC_URL = `http://${LOOPBACK_HOST}:${DEFAULT_REGISTRY_PORT}`
const DEFAULT_CLI_KEY_FILE = `${DEFAULT_KEY_DIR}/registry-cli.key`
const PERMISSIONS: readonly Permission[] = ['publish', 'subscribe']

const USAGE = `usage:
  npm run registry -- [serve] [--port ${DEFAULT_REGISTRY_PORT}] [--host ${LOOPBACK_HOST}] [--block-time-ms ${DEFAULT_BLOCK_TIME_MS}] [--chain-id ${DEFAULT_CHAIN_ID}]
  npm run registry -- create-stream STREAM                          [--rpc URL] [--key-file F] [--address A]
  npm run registry -- grant STREAM USER publish|subscribe [--expires WHEN] [--rpc URL] [--key-file F] [--address A]
  npm run registry -- revoke STREAM USER publish|subscribe          [--rpc URL] [--key-file F] [--address A]
  npm run registry -- make-public STREAM                            [--rpc URL] [--key-file F] [--address A]
  npm run registry -- allows STREAM USER publish|subscribe          [--rpc URL] [--address A]
  npm run registry -- address                                       [--key-file F]

  --rpc URL        the registry chain's JSON-RPC endpoint (default ${DEFAULT_RPC_URL})
  --key-file F     the signing key, as a node's (BRTC_PRIVATE_KEY, else F, created on first use; default ${DEFAULT_CLI_KEY_FILE});
                   address prints its address only (give a node's key file to grant that node before it starts)
  --address A      the StreamRegistry contract (default ${DEFAULT_REGISTRY_ADDRESS}, where serve puts it)
  --expires WHEN   the grant's end: unix seconds or an ISO 8601 time (default: never)
  USER             an address: 0x and 40 hex digits`

const OPTIONS = {
  port: { type: 'string' }, host: { type: 'string' }, 'block-time-ms': { type: 'string' }, 'chain-id': { type: 'string' },
  rpc: { type: 'string' }, 'key-file': { type: 'string' }, address: { type: 'string' }, expires: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values']

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: OPTIONS, allowPositionals: true, strict: true })
  if (values.help === true) {
    console.log(USAGE)
    return 0
  }
  const [command = 'serve', ...args] = positionals
  switch (command) {
    case 'serve': return serve(values, args)
    case 'create-stream': return change(values, args, ['STREAM'], ([stream]) => registryCalls.createStream(stream), ([stream], from) => `created stream ${stream}, owned by ${from}`)
    case 'grant': {
      const expires = expiresOption(values.expires)
      return change(values, args, ['STREAM', 'USER', 'PERMISSION'], ([s, u, p]) => registryCalls.grant(s, u, p as Permission, expires),
        ([s, u, p]) => `granted ${p} on ${s} to ${u}${expires === NEVER_EXPIRES ? '' : ` until ${new Date(Number(expires) * 1000).toISOString()}`}`)
    }
    case 'revoke': return change(values, args, ['STREAM', 'USER', 'PERMISSION'], ([s, u, p]) => registryCalls.revoke(s, u, p as Permission), ([s, u, p]) => `revoked ${p} on ${s} from ${u}`)
    case 'make-public': return change(values, args, ['STREAM'], ([s]) => registryCalls.makePublic(s), ([s]) => `stream ${s} is public: anyone may subscribe`)
    case 'allows': return allows(values, args)
    case 'address': return address(values, args)
    default: throw new UsageError(`command: expected serve, create-stream, grant, revoke, make-public, allows or address, got "${command}"`)
  }
}

async function serve(values: Values, args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`serve: unexpected argument "${args[0]}"`)
  for (const flag of ['rpc', 'key-file', 'address', 'expires'] as const) if (values[flag] !== undefined) throw new UsageError(`--${flag}: not an option of serve`)
  const port = portOption(values.port, '--port', DEFAULT_REGISTRY_PORT)
  const blockTimeMs = integerOption(values['block-time-ms'], '--block-time-ms', DEFAULT_BLOCK_TIME_MS, 10, 3_600_000)
  const chainId = integerOption(values['chain-id'], '--chain-id', DEFAULT_CHAIN_ID, 1, 2 ** 32 - 1)
  const host = values.host ?? LOOPBACK_HOST
  let service
  try {
    service = await startRegistryService({ host, port, blockTimeMs, chainId, onError: (error, where) => console.error(`[registry] ${where}:`, error) })
  } catch (error) {
    throw new RunFailure(`cannot listen on ${host}:${port}: ${(error as Error).message}`)
  }
  console.log(`registry listening on ${service.url} (chain ${chainId}, StreamRegistry at ${service.chain.registryAddress}, a block every ${blockTimeMs} ms)`)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    const s = service.chain.stats
    console.log(`registry stopping: ${s.blocks} blocks, ${s.transactions} transactions (${s.reverted} reverted, ${s.dropped} dropped), `
      + `${service.server.stats.requests} requests (${service.server.stats.errors} errors)`)
    await service.stop()
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
  return 0
}

/** Checks the positionals, then signs and sends the change and waits for its block. */
async function change(values: Values, args: string[], names: string[], calldata: (args: string[]) => string, done: (args: string[], from: string) => string): Promise<number> {
  checkPositionals(args, names)
  for (const flag of ['port', 'host', 'block-time-ms', 'chain-id'] as const) if (values[flag] !== undefined) throw new UsageError(`--${flag}: an option of serve only`)
  const data = calldata(args)
  const key = processKey({ keyFile: values['key-file'] ?? DEFAULT_CLI_KEY_FILE, insecureTestKeys: false })
  const rpc = new JsonRpcClient(values.rpc ?? DEFAULT_RPC_URL)
  const address = addressOption(values.address)
  try {
    const from = keyPairFromPrivateKey(key.privateKey!).address
    const sent = await sendRegistryTransaction(rpc, key.privateKey!, address, data)
    console.log(`${done(args, from)} (block ${sent.blockNumber}, transaction ${sent.hash})`)
    return 0
  } catch (error) {
    if (error instanceof TransactionFailed || error instanceof RpcCallError) throw new RunFailure(error.message)
    throw error
  }
}

/** Prints the address of the key a change would be signed with: a node's key file gives the node's address. */
function address(values: Values, args: string[]): number {
  if (args.length > 0) throw new UsageError(`address: unexpected argument "${args[0].slice(0, 64)}"`)
  for (const flag of ['port', 'host', 'block-time-ms', 'chain-id', 'rpc', 'address', 'expires'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag}: not an option of address`)
  }
  const key = processKey({ keyFile: values['key-file'] ?? DEFAULT_CLI_KEY_FILE, insecureTestKeys: false })
  console.log(keyPairFromPrivateKey(key.privateKey!).address)
  return 0
}

async function allows(values: Values, args: string[]): Promise<number> {
  checkPositionals(args, ['STREAM', 'USER', 'PERMISSION'])
  if (values['key-file'] !== undefined || values.expires !== undefined) throw new UsageError(`--${values.expires !== undefined ? 'expires' : 'key-file'}: not an option of allows`)
  const [stream, user, permission] = args
  const rpc = new JsonRpcClient(values.rpc ?? DEFAULT_RPC_URL)
  try {
    const result = await rpc.request('eth_call', [{ to: addressOption(values.address), data: registryCalls.allows(stream, user, permission as Permission) }, 'latest'])
    console.log(String(registryResult('allows', String(result))))
    return 0
  } catch (error) {
    if (error instanceof RpcCallError) throw new RunFailure(error.message)
    throw error
  }
}

function checkPositionals(args: string[], names: string[]): void {
  if (args.length !== names.length) throw new UsageError(`expected ${names.join(' ')}, got ${args.length} argument${args.length === 1 ? '' : 's'}${args.length > 0 ? ` (${args.join(' ')})` : ''}`)
  names.forEach((name, i) => {
    const v = args[i]
    if (name === 'STREAM' && (v.length === 0 || new TextEncoder().encode(v).length > 255)) throw new UsageError(`STREAM: expected a stream id of 1 to 255 UTF-8 bytes, got "${v.slice(0, 64)}"`)
    if (name === 'USER' && !/^0x[0-9a-fA-F]{40}$/.test(v)) throw new UsageError(`USER: expected an address (0x and 40 hex digits), got "${v.slice(0, 64)}"`)
    if (name === 'PERMISSION' && !PERMISSIONS.includes(v as Permission)) throw new UsageError(`PERMISSION: expected publish or subscribe, got "${v.slice(0, 64)}"`)
  })
}

function addressOption(value: string | undefined): string {
  if (value === undefined) return DEFAULT_REGISTRY_ADDRESS
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new UsageError(`--address: expected the contract's address (0x and 40 hex digits), got "${value.slice(0, 64)}"`)
  return value
}

/** Unix seconds, or an ISO 8601 time; absent: never. */
function expiresOption(value: string | undefined): bigint {
  if (value === undefined) return NEVER_EXPIRES
  if (/^\d+$/.test(value)) {
    const s = BigInt(value)
    if (s > 0n && s < NEVER_EXPIRES) return s
  } else if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value)
    if (Number.isFinite(ms) && ms > 0) return BigInt(Math.ceil(ms / 1000))
  }
  throw new UsageError(`--expires: expected unix seconds (> 0) or an ISO 8601 time like 2030-01-01T00:00:00Z, got "${value.slice(0, 64)}"`)
}

runCommand(main, USAGE)
