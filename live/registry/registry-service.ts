// The registry chain as a service: a LocalChain making a block every blockTimeMs and its
// JSON-RPC endpoint. `npm run registry` runs one (cli/registry.ts).

import { LocalChain } from './local-chain.ts'
import { type RpcServer, startRpcServer } from './rpc-server.ts'

/** Ethereum clients' JSON-RPC port: tools find a local chain there without being told. */
export const DEFAULT_REGISTRY_PORT = 8545

export interface RegistryServiceOptions {
  host: string
  port: number
  blockTimeMs: number
  chainId: number
  onError: (error: unknown, where: string) => void
}

export interface RegistryService {
  chain: LocalChain
  server: RpcServer
  url: string
  stop(): Promise<void>
}

export async function startRegistryService(options: RegistryServiceOptions): Promise<RegistryService> {
  const chain = await LocalChain.create({ chainId: options.chainId, nowS: () => Date.now() / 1000 })
  const server = await startRpcServer(chain, { host: options.host, port: options.port, onError: options.onError })
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  // Blocks on a fixed schedule from the start; one that overran is followed at once, never twice.
  const start = Date.now()
  let next = 1
  const schedule = () => {
    if (stopped) return
    timer = setTimeout(() => {
      chain.produceBlock().catch((error: unknown) => options.onError(error, 'block')).finally(() => {
        next = Math.max(next + 1, Math.floor((Date.now() - start) / options.blockTimeMs) + 1)
        schedule()
      })
    }, Math.max(0, start + next * options.blockTimeMs - Date.now()))
  }
  schedule()
  return {
    chain, server, url: server.url,
    async stop() {
      stopped = true
      clearTimeout(timer)
      await server.close()
    },
  }
}
