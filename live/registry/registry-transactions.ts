// Sends a registry transaction as its owner's key signs it (EIP-1559, secp256k1, the chain id the
// chain node reports) and waits for the block that includes it. The call is tried first with
// eth_estimateGas, so a change the contract refuses ("not the stream's owner") is reported with
// its reason and never sent.

import { Hardfork, Mainnet, createCustomCommon } from '@ethereumjs/common'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { bytesToHex, createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { keyPairFromPrivateKey } from '../../core/message-layer/identity.ts'
import { type JsonRpcClient, RpcCallError } from './rpc-client.ts'

/** How long to wait for the including block: many block times of a Polygon-like chain. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 30_000
const RECEIPT_POLL_MS = 200

export interface SentTransaction {
  hash: string
  blockNumber: bigint
  status: 0 | 1
}

export class TransactionFailed extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TransactionFailed'
  }
}

/** Signs and sends `data` to the contract at `to` and waits for the block that includes it. */
export async function sendRegistryTransaction(
  rpc: JsonRpcClient, privateKey: string, to: string, data: string, receiptTimeoutMs = DEFAULT_RECEIPT_TIMEOUT_MS
): Promise<SentTransaction> {
  return waitForReceipt(rpc, await submitRegistryTransaction(rpc, privateKey, to, data), receiptTimeoutMs)
}

/** Signs and sends; the transaction's hash, once the chain node has queued it for a block. */
export async function submitRegistryTransaction(rpc: JsonRpcClient, privateKey: string, to: string, data: string): Promise<string> {
  const from = keyPairFromPrivateKey(privateKey).address
  let gasLimit: bigint
  try {
    gasLimit = BigInt(await rpc.request('eth_estimateGas', [{ from, to, data }]) as string)
  } catch (error) {
    if (error instanceof RpcCallError && error.code === 3) throw new TransactionFailed(`the registry refuses it: ${error.message}`)
    throw error
  }
  const chainId = Number(BigInt(await rpc.request('eth_chainId', []) as string))
  const nonce = BigInt(await rpc.request('eth_getTransactionCount', [from, 'pending']) as string)
  const common = createCustomCommon({ chainId }, Mainnet, { hardfork: Hardfork.Cancun })
  const tx = createFeeMarket1559Tx({
    chainId: BigInt(chainId), nonce, gasLimit, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n,
    to: createAddressFromString(to), data: hexToBytes(data as `0x${string}`),
  }, { common }).sign(hexToBytes(`0x${privateKey.replace(/^0x/, '')}`))
  return await rpc.request('eth_sendRawTransaction', [bytesToHex(tx.serialize())]) as string
}

export async function waitForReceipt(rpc: JsonRpcClient, hash: string, timeoutMs = DEFAULT_RECEIPT_TIMEOUT_MS): Promise<SentTransaction> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const receipt = await rpc.request('eth_getTransactionReceipt', [hash]) as { blockNumber: string; status: string } | null
    if (receipt !== null) {
      const sent: SentTransaction = { hash, blockNumber: BigInt(receipt.blockNumber), status: receipt.status === '0x1' ? 1 : 0 }
      if (sent.status === 0) throw new TransactionFailed(`transaction ${hash} reverted in block ${sent.blockNumber}`)
      return sent
    }
    if (Date.now() > deadline) throw new TransactionFailed(`transaction ${hash} not in a block after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS))
  }
}
