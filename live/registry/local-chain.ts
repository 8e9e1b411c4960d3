// A chain of one block producer in this process: @ethereumjs/vm executes transactions against the
// StreamRegistry placed at genesis, and a block every blockTimeMs (the registry process's timer
// calls produceBlock) includes what was submitted since. Until then a transaction changes
// nothing that eth_call sees, as on a real chain, so a grant takes effect after the next block.
//
// Gas is metered (the block gas limit bounds the work of a block) but costs nothing: the base fee
// is 0 and transactions may offer 0, so any key, such as one a node process just created, can
// send a transaction without a faucet or a genesis list of funded accounts. The price of that is
// free spam, bounded by the pending pool (MAX_PENDING_TRANSACTIONS, MAX_PENDING_PER_SENDER) and
// the block gas limit: a local testbed chain, not a public one.

import { type Block, createBlock } from '@ethereumjs/block'
import { Hardfork, Mainnet, createCustomCommon } from '@ethereumjs/common'
import { type TypedTransaction, createTxFromRLP } from '@ethereumjs/tx'
import { Account, type Address, bytesToHex, createAddressFromString, createZeroAddress, hexToBytes } from '@ethereumjs/util'
import { type VM, buildBlock, createVM } from '@ethereumjs/vm'
import { DEFAULT_REGISTRY_ADDRESS, registryArtifact } from './registry-contract.ts'

/**
 * Streamr's StreamRegistry lives on Polygon PoS, which makes a block about every 2 s (its
 * documented block time); so does this chain unless told otherwise (`--block-time-ms`).
 */
export const DEFAULT_BLOCK_TIME_MS = 2_000
/** Hardhat's and Anvil's local chain id: wallets and tools treat it as a development chain. */
export const DEFAULT_CHAIN_ID = 31_337
/** Ethereum mainnet's block gas limit of 2024: hundreds of registry transactions per block. */
export const BLOCK_GAS_LIMIT = 30_000_000n
export const MAX_PENDING_TRANSACTIONS = 1_024
export const MAX_PENDING_PER_SENDER = 64
/** Receipts kept for eth_getTransactionReceipt; older ones are forgotten. */
export const MAX_RECEIPTS = 10_000
/** Gas an eth_call or eth_estimateGas may use. */
export const CALL_GAS_LIMIT = 10_000_000n

/** A JSON-RPC error the server passes on as is: a code and a message for the caller. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: string) {
    super(message)
    this.name = 'RpcError'
  }
}

/** JSON-RPC codes (the spec's, and EIP-1474's for a reverted execution). */
export const RPC_INVALID_PARAMS = -32602
export const RPC_SERVER_ERROR = -32000
export const RPC_EXECUTION_REVERTED = 3

export interface ReceiptLog {
  address: string
  topics: string[]
  data: string
}

export interface Receipt {
  transactionHash: string
  /** 1 (EIP-2930) or 2 (EIP-1559). */
  type: number
  transactionIndex: number
  blockNumber: bigint
  blockHash: string
  from: string
  to: string | null
  status: 0 | 1
  gasUsed: bigint
  cumulativeGasUsed: bigint
  logs: ReceiptLog[]
}

export interface CallRequest {
  from?: string
  to: string
  data: string
}

export interface CallResult {
  returnData: string
  gasUsed: bigint
  /** Set when the call reverted: the revert data (0x... ; Error(string) for require's reasons). */
  reverted: string | undefined
}

export interface LocalChainOptions {
  chainId: number
  /** Seconds since the epoch, for block timestamps (the contract's expiries compare against them). */
  nowS: () => number
}

export interface ChainStats {
  blocks: number
  transactions: number
  reverted: number
  /** Submitted but not executable when their block came (a nonce taken meanwhile). */
  dropped: number
}

export class LocalChain {
  readonly registryAddress = DEFAULT_REGISTRY_ADDRESS
  readonly stats: ChainStats = { blocks: 0, transactions: 0, reverted: 0, dropped: 0 }
  private pending: TypedTransaction[] = []
  private readonly receipts = new Map<string, Receipt>()
  /** Every VM operation runs after the one before: the state manager is not safe to share. */
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    readonly chainId: number,
    private readonly vm: VM,
    private readonly common: ReturnType<typeof createCustomCommon>,
    private latest: Block,
    private readonly nowS: () => number
  ) {}

  static async create(options: LocalChainOptions): Promise<LocalChain> {
    const common = createCustomCommon({ chainId: options.chainId, name: 'brtc-registry' }, Mainnet, { hardfork: Hardfork.Cancun })
    const vm = await createVM({ common })
    const address = createAddressFromString(DEFAULT_REGISTRY_ADDRESS)
    await vm.stateManager.putAccount(address, new Account())
    await vm.stateManager.putCode(address, hexToBytes(registryArtifact.deployedBytecode as `0x${string}`))
    const genesis = createBlock({
      header: {
        number: 0n, gasLimit: BLOCK_GAS_LIMIT, baseFeePerGas: 0n, timestamp: BigInt(Math.floor(options.nowS())),
        excessBlobGas: 0n, blobGasUsed: 0n, parentBeaconBlockRoot: new Uint8Array(32), stateRoot: await vm.stateManager.getStateRoot(),
      },
    }, { common })
    return new LocalChain(options.chainId, vm, common, genesis, options.nowS)
  }

  get blockNumber(): bigint {
    return this.latest.header.number
  }

  get pendingCount(): number {
    return this.pending.length
  }

  /** Checks a signed transaction (RLP bytes) and queues it for the next block; its hash. */
  submit(raw: Uint8Array): Promise<string> {
    return this.serially(async () => {
      let tx: TypedTransaction
      try {
        tx = createTxFromRLP(raw, { common: this.common })
      } catch (error) {
        throw new RpcError(RPC_INVALID_PARAMS, `not a signed transaction for chain ${this.chainId}: ${firstLine(error)}`)
      }
      if (tx.type !== 1 && tx.type !== 2) throw new RpcError(RPC_INVALID_PARAMS, `transaction type ${tx.type}: expected 1 (EIP-2930) or 2 (EIP-1559), which carry the chain id`)
      if (!tx.isSigned() || !tx.isValid()) throw new RpcError(RPC_INVALID_PARAMS, `invalid transaction: ${tx.getValidationErrors().join('; ') || 'not signed'}`)
      if (tx.gasLimit > BLOCK_GAS_LIMIT) throw new RpcError(RPC_SERVER_ERROR, `gas limit ${tx.gasLimit} above the block gas limit ${BLOCK_GAS_LIMIT}`)
      const sender = tx.getSenderAddress()
      const hash = bytesToHex(tx.hash())
      if (this.receipts.has(hash) || this.pending.some((p) => bytesToHex(p.hash()) === hash)) throw new RpcError(RPC_SERVER_ERROR, 'already known')
      const fromSender = this.pending.filter((p) => p.getSenderAddress().equals(sender))
      if (this.pending.length >= MAX_PENDING_TRANSACTIONS) throw new RpcError(RPC_SERVER_ERROR, `txpool is full (${MAX_PENDING_TRANSACTIONS} pending)`)
      if (fromSender.length >= MAX_PENDING_PER_SENDER) throw new RpcError(RPC_SERVER_ERROR, `${MAX_PENDING_PER_SENDER} transactions of ${sender} already pending`)
      const expected = (await this.accountNonce(sender)) + BigInt(fromSender.length)
      if (tx.nonce !== expected) throw new RpcError(RPC_SERVER_ERROR, `nonce ${tx.nonce}: expected ${expected} (nonce too ${tx.nonce < expected ? 'low' : 'high'})`)
      this.pending.push(tx)
      return hash
    })
  }

  /** The sender's next nonce: mined only (latest), or counting its pending transactions too. */
  nonce(address: string, tag: 'latest' | 'pending'): Promise<bigint> {
    return this.serially(async () => {
      const a = createAddressFromString(address)
      const mined = await this.accountNonce(a)
      return tag === 'latest' ? mined : mined + BigInt(this.pending.filter((p) => p.getSenderAddress().equals(a)).length)
    })
  }

  receipt(hash: string): Receipt | undefined {
    return this.receipts.get(hash.toLowerCase())
  }

  /** Runs a call against the latest block's state and throws nothing of it away but the answer. */
  call(request: CallRequest): Promise<CallResult> {
    return this.serially(async () => {
      const state = this.vm.stateManager
      await state.checkpoint()
      try {
        const result = await this.vm.evm.runCall({
          caller: request.from === undefined ? createZeroAddress() : createAddressFromString(request.from),
          to: createAddressFromString(request.to),
          data: hexToBytes(request.data as `0x${string}`),
          gasLimit: CALL_GAS_LIMIT,
          block: this.latest,
        })
        const exec = result.execResult
        const returnData = bytesToHex(exec.returnValue)
        return { returnData, gasUsed: exec.executionGasUsed, reverted: exec.exceptionError === undefined ? undefined : returnData }
      } finally {
        await state.revert()
      }
    })
  }

  /** Makes the next block of what is pending (possibly none), as a chain does every block time. */
  produceBlock(): Promise<Block> {
    return this.serially(async () => {
      const parent = this.latest
      const timestamp = BigInt(Math.max(Math.floor(this.nowS()), Number(parent.header.timestamp)))
      const builder = await buildBlock(this.vm, {
        parentBlock: parent,
        headerData: { timestamp, baseFeePerGas: 0n, gasLimit: BLOCK_GAS_LIMIT, parentBeaconBlockRoot: new Uint8Array(32) },
        blockOpts: { putBlockIntoBlockchain: false },
      })
      const included: { tx: TypedTransaction; from: Address; status: 0 | 1; gasUsed: bigint; cumulative: bigint; logs: ReceiptLog[] }[] = []
      const taken = this.pending
      this.pending = []
      for (const tx of taken) {
        if (builder.gasUsed + tx.gasLimit > BLOCK_GAS_LIMIT) {
          this.pending.push(tx)
          continue
        }
        try {
          const result = await builder.addTransaction(tx)
          const status = result.execResult.exceptionError === undefined ? 1 : 0
          const logs = result.receipt.logs.map(([address, topics, data]) => ({ address: bytesToHex(address), topics: topics.map((t) => bytesToHex(t)), data: bytesToHex(data) }))
          included.push({ tx, from: tx.getSenderAddress(), status, gasUsed: result.totalGasSpent, cumulative: result.receipt.cumulativeBlockGasUsed, logs })
        } catch {
          this.stats.dropped++
        }
      }
      const { block } = await builder.build()
      this.latest = block
      this.stats.blocks++
      const blockHash = bytesToHex(block.hash())
      included.forEach((t, i) => {
        this.stats.transactions++
        if (t.status === 0) this.stats.reverted++
        const hash = bytesToHex(t.tx.hash())
        if (this.receipts.size >= MAX_RECEIPTS) this.receipts.delete(this.receipts.keys().next().value!)
        this.receipts.set(hash, {
          transactionHash: hash, type: t.tx.type, transactionIndex: i, blockNumber: block.header.number, blockHash, from: t.from.toString(),
          to: t.tx.to?.toString() ?? null, status: t.status, gasUsed: t.gasUsed, cumulativeGasUsed: t.cumulative, logs: t.logs,
        })
      })
      return block
    })
  }

  private async accountNonce(address: Address): Promise<bigint> {
    return (await this.vm.stateManager.getAccount(address))?.nonce ?? 0n
  }

  private serially<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job)
    this.queue = run.catch(() => undefined)
    return run
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 200)
}
