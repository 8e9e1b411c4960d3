// The registry chain's JSON-RPC endpoint (Ethereum's method names, over HTTP POST): what nodes
// and the CLI need of a chain node, nothing more. Bad input gets a JSON-RPC error object, never a
// stack trace: unparsable JSON -32700, not a request -32600, unknown method -32601, bad params
// -32602, a reverted execution 3 with the revert data (EIP-1474), a refused transaction -32000.

import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import { hexToBytes } from '@noble/hashes/utils.js'
import {
  BLOCK_GAS_LIMIT, type LocalChain, RPC_EXECUTION_REVERTED, RPC_INVALID_PARAMS, RpcError, type Receipt,
} from './local-chain.ts'
import { revertReason } from './abi.ts'

/** A request body at most this big: a registry transaction with the longest stream id is under 1 KiB. */
export const MAX_RPC_BODY_BYTES = 64 * 1024
/** Requests in one batch at most. */
export const MAX_RPC_BATCH = 32
const RPC_PARSE_ERROR = -32700
const RPC_INVALID_REQUEST = -32600
const RPC_METHOD_NOT_FOUND = -32601
const RPC_INTERNAL_ERROR = -32603

/** The headroom eth_estimateGas adds to what the call used: the estimate may be spent freely (gas costs nothing here). */
const ESTIMATE_HEADROOM = 1.5

type Id = string | number | null
interface RpcResponse {
  jsonrpc: '2.0'
  id: Id
  result?: unknown
  error?: { code: number; message: string; data?: string }
}

export interface RpcServerOptions {
  host: string
  port: number
  /** Failures that are the server's, not the caller's (logged, answered -32603). */
  onError: (error: unknown, where: string) => void
}

export interface RpcServer {
  url: string
  stats: { requests: number; errors: number }
  close(): Promise<void>
}

export async function startRpcServer(chain: LocalChain, options: RpcServerOptions): Promise<RpcServer> {
  const stats = { requests: 0, errors: 0 }
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: MAX_RPC_BODY_BYTES, forceCloseConnections: true })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    stats.errors++
    const tooLarge = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
    const message = tooLarge ? `request body over ${MAX_RPC_BODY_BYTES} bytes` : 'the request could not be read'
    return reply.code(tooLarge ? 413 : 400).send(failure(null, RPC_INVALID_REQUEST, message))
  })
  app.setNotFoundHandler((request, reply) => reply.code(404).send(failure(null, RPC_INVALID_REQUEST, `no route ${request.method} ${request.url.split('?')[0]}; POST / with a JSON-RPC request`)))
  app.post('/', async (request, reply) => {
    stats.requests++
    let body: unknown
    try {
      body = JSON.parse(typeof request.body === 'string' ? request.body : '')
    } catch {
      stats.errors++
      return reply.send(failure(null, RPC_PARSE_ERROR, 'parse error: the body is not JSON'))
    }
    if (Array.isArray(body)) {
      if (body.length === 0 || body.length > MAX_RPC_BATCH) {
        stats.errors++
        return reply.send(failure(null, RPC_INVALID_REQUEST, `a batch holds 1 to ${MAX_RPC_BATCH} requests, got ${body.length}`))
      }
      const answers: RpcResponse[] = []
      for (const item of body) answers.push(await answer(item))
      return reply.send(answers)
    }
    return reply.send(await answer(body))
  })

  async function answer(request: unknown): Promise<RpcResponse> {
    const r = (typeof request === 'object' && request !== null && !Array.isArray(request) ? request : {}) as Record<string, unknown>
    const id: Id = typeof r.id === 'string' || typeof r.id === 'number' ? r.id : null
    if (r.jsonrpc !== '2.0' || typeof r.method !== 'string') {
      stats.errors++
      return failure(id, RPC_INVALID_REQUEST, 'expected {"jsonrpc":"2.0","method":...,"params":[...],"id":...}')
    }
    const params = r.params === undefined ? [] : r.params
    try {
      if (!Array.isArray(params)) throw new RpcError(RPC_INVALID_PARAMS, 'params: expected an array')
      return { jsonrpc: '2.0', id, result: await dispatch(r.method, params) }
    } catch (error) {
      stats.errors++
      if (error instanceof RpcError) return failure(id, error.code, error.message, error.data)
      options.onError(error, `rpc ${r.method.slice(0, 64)}`)
      return failure(id, RPC_INTERNAL_ERROR, 'internal error')
    }
  }

  async function dispatch(method: string, params: unknown[]): Promise<unknown> {
    switch (method) {
      case 'eth_chainId': return quantity(BigInt(chain.chainId))
      case 'net_version': return String(chain.chainId)
      case 'eth_blockNumber': return quantity(chain.blockNumber)
      case 'eth_gasPrice': return '0x0'
      case 'eth_maxPriorityFeePerGas': return '0x0'
      case 'eth_call': {
        const call = callParam(params[0])
        blockTag(params[1])
        const result = await chain.call(call)
        if (result.reverted !== undefined) throw reverted(result.reverted)
        return result.returnData
      }
      case 'eth_estimateGas': {
        const call = callParam(params[0])
        const result = await chain.call(call)
        if (result.reverted !== undefined) throw reverted(result.reverted)
        const intrinsic = 21_000n + hexToBytes(call.data.slice(2)).reduce((sum, b) => sum + (b === 0 ? 4n : 16n), 0n)
        const estimate = BigInt(Math.ceil(Number(intrinsic + result.gasUsed) * ESTIMATE_HEADROOM))
        return quantity(estimate < BLOCK_GAS_LIMIT ? estimate : BLOCK_GAS_LIMIT)
      }
      case 'eth_sendRawTransaction': {
        const raw = hexParam(params[0], 'params[0]', 'the signed transaction (0x... RLP bytes)')
        return await chain.submit(hexToBytes(raw.slice(2)))
      }
      case 'eth_getTransactionReceipt': {
        const hash = hexParam(params[0], 'params[0]', 'a transaction hash (0x and 64 hex digits)')
        if (hash.length !== 66) throw new RpcError(RPC_INVALID_PARAMS, 'params[0]: expected a transaction hash (0x and 64 hex digits)')
        const receipt = chain.receipt(hash)
        return receipt === undefined ? null : receiptJson(receipt)
      }
      case 'eth_getTransactionCount': {
        const address = addressParam(params[0], 'params[0]')
        const tag = params[1] === 'pending' ? 'pending' : (blockTag(params[1]), 'latest')
        return quantity(await chain.nonce(address, tag))
      }
      default:
        throw new RpcError(RPC_METHOD_NOT_FOUND, `method not found: ${method.slice(0, 64)} (this chain serves eth_chainId, eth_blockNumber, eth_call, eth_estimateGas, eth_gasPrice, eth_sendRawTransaction, eth_getTransactionReceipt, eth_getTransactionCount)`)
    }
  }

  const url = await app.listen({ host: options.host, port: options.port })
  return { url, stats, close: () => app.close() }
}

function failure(id: Id, code: number, message: string, data?: string): RpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } }
}

function reverted(data: string): RpcError {
  const reason = revertReason(data)
  return new RpcError(RPC_EXECUTION_REVERTED, reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`, data)
}

function quantity(n: bigint): string {
  return `0x${n.toString(16)}`
}

function hexParam(value: unknown, field: string, expected: string): `0x${string}` {
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) throw new RpcError(RPC_INVALID_PARAMS, `${field}: expected ${expected}`)
  return value as `0x${string}`
}

function addressParam(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) throw new RpcError(RPC_INVALID_PARAMS, `${field}: expected an address (0x and 40 hex digits)`)
  return value
}

/** Only the latest state is kept: "latest" (or nothing) is the one block this chain answers about. */
function blockTag(value: unknown): void {
  if (value !== undefined && value !== 'latest') throw new RpcError(RPC_INVALID_PARAMS, `block: expected "latest" (this chain keeps only the latest state), got ${JSON.stringify(value)?.slice(0, 64)}`)
}

function callParam(value: unknown): { from?: string; to: string; data: string } {
  const o = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined) as Record<string, unknown> | undefined
  if (o === undefined) throw new RpcError(RPC_INVALID_PARAMS, 'params[0]: expected a call object {to, data, from?}')
  const to = addressParam(o.to, 'params[0].to')
  const data = o.data ?? o.input ?? '0x'
  const hex = hexParam(data, 'params[0].data', 'calldata (0x and hex bytes)')
  return { ...(o.from === undefined ? {} : { from: addressParam(o.from, 'params[0].from') }), to, data: hex }
}

function receiptJson(r: Receipt): Record<string, unknown> {
  const blockNumber = quantity(r.blockNumber)
  return {
    transactionHash: r.transactionHash, transactionIndex: quantity(BigInt(r.transactionIndex)), blockNumber, blockHash: r.blockHash,
    from: r.from, to: r.to, status: quantity(BigInt(r.status)), gasUsed: quantity(r.gasUsed), cumulativeGasUsed: quantity(r.cumulativeGasUsed),
    effectiveGasPrice: '0x0', contractAddress: null, type: quantity(BigInt(r.type)),
    logs: r.logs.map((l, i) => ({ ...l, blockNumber, blockHash: r.blockHash, transactionHash: r.transactionHash, logIndex: quantity(BigInt(i)), removed: false })),
  }
}
