// The registry process (npm run registry) through its JSON-RPC endpoint: the contract's semantics
// (create, grant, revoke, expiry, public, a non-owner refused, unknown streams allow nothing), a
// grant that takes effect only with the next block, the CLI's signed transactions and its errors,
// and bad JSON-RPC input answered with error objects, never a crash or a stack trace.

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { keyPairFromPrivateKey } from '../core/message-layer/identity.ts'
import type { Permission } from '../core/security/stream-registry.ts'
import { DEFAULT_REGISTRY_ADDRESS, registryCalls, registryResult } from '../live/registry/registry-contract.ts'
import { TransactionFailed, sendRegistryTransaction, submitRegistryTransaction, waitForReceipt } from '../live/registry/registry-transactions.ts'
import { JsonRpcClient, RpcCallError } from '../live/registry/rpc-client.ts'
import { MAX_RPC_BODY_BYTES } from '../live/registry/rpc-server.ts'
import { type LiveProcess, runLiveProcess, sleep, until } from './helpers/live.ts'

const BLOCK_TIME_MS = 400
const key = () => randomBytes(32).toString('hex')
const owner = key()
const alice = key()
const mallory = key()
const addressOf = (k: string) => keyPairFromPrivateKey(k).address

let registry: LiveProcess
let url = ''
let rpc: JsonRpcClient

async function allows(streamId: string, user: string, permission: Permission): Promise<boolean> {
  return registryResult('allows', await rpc.request('eth_call', [{ to: DEFAULT_REGISTRY_ADDRESS, data: registryCalls.allows(streamId, user, permission) }, 'latest']) as string) === true
}

async function blockNumber(): Promise<bigint> {
  return BigInt(await rpc.request('eth_blockNumber', []) as string)
}

async function rawPost(body: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body })
  return { status: response.status, text: await response.text() }
}

/** Awaits `promise`, which must fail with an error `matches` accepts. */
async function refused(promise: Promise<unknown>, matches: (error: Error) => boolean): Promise<void> {
  const outcome = await promise.then(() => undefined, (error: unknown) => error as Error)
  assert.ok(outcome !== undefined, 'expected a failure')
  assert.ok(matches(outcome!), `unexpected failure: ${outcome?.message}`)
}

const send = (k: string, data: string) => sendRegistryTransaction(rpc, k, DEFAULT_REGISTRY_ADDRESS, data)

const Registry = suite('registry process')

Registry.before(async () => {
  registry = runLiveProcess('registry.ts', ['--port', '0', '--block-time-ms', String(BLOCK_TIME_MS)])
  // Should the runner stop early (an uncaught error), after() does not run: the process must still go.
  process.once('exit', () => registry.child.kill('SIGKILL'))
  try {
    await until('the registry listens', () => /listening on http:\/\/127\.0\.0\.1:\d+/.test(registry.output()), 20_000)
  } catch (error) {
    registry.child.kill('SIGKILL')
    throw new Error(`${(error as Error).message}\n${registry.output()}`)
  }
  url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(registry.output())![1]
  rpc = new JsonRpcClient(url)
})

Registry.after(async () => {
  registry.child.kill('SIGINT')
  assert.is(await registry.exited, 0, registry.output())
  assert.match(registry.output(), /registry stopping: \d+ blocks, \d+ transactions/)
  assert.not.match(registry.output(), /\bat .+\.ts:\d+/, 'no stack trace in the log')
})

Registry('create, grant, revoke, public: the owner may do anything, others what they were granted; unknown streams allow nothing', async () => {
  const [o, a, m] = [addressOf(owner), addressOf(alice), addressOf(mallory)]
  assert.is(await allows('s1', o, 'publish'), false, 'no stream yet')
  await send(owner, registryCalls.createStream('s1'))
  assert.is(registryResult('ownerOf', await rpc.request('eth_call', [{ to: DEFAULT_REGISTRY_ADDRESS, data: registryCalls.ownerOf('s1') }]) as string), o.toLowerCase())
  assert.ok(await allows('s1', o, 'publish') && await allows('s1', o, 'subscribe'), 'the owner')
  assert.is(await allows('s1', a, 'subscribe'), false)
  await send(owner, registryCalls.grant('s1', a, 'subscribe', (1n << 64n) - 1n))
  assert.equal([await allows('s1', a, 'subscribe'), await allows('s1', a, 'publish')], [true, false], 'a grant is per permission')
  await send(owner, registryCalls.revoke('s1', a, 'subscribe'))
  assert.is(await allows('s1', a, 'subscribe'), false, 'revoked')
  await send(owner, registryCalls.makePublic('s1'))
  assert.equal([await allows('s1', m, 'subscribe'), await allows('s1', m, 'publish')], [true, false], 'public: anyone subscribes, nobody else publishes')
  await refused(send(mallory, registryCalls.grant('s1', m, 'publish', 1n << 40n)), (e: Error) => e instanceof TransactionFailed && /not the stream's owner/.test(e.message))
  await refused(send(mallory, registryCalls.createStream('s1')), (e: Error) => /stream exists/.test(e.message))
  await refused(send(owner, registryCalls.grant('nope', a, 'publish', 1n << 40n)), (e: Error) => /no such stream/.test(e.message))
  assert.is(await allows('s1', m, 'publish'), false, 'what the refused transactions asked for did not happen')
})

Registry('a grant expires with the first block past its expiry', async () => {
  const a = addressOf(alice)
  await send(owner, registryCalls.createStream('s2'))
  const expiresAtS = BigInt(Math.floor(Date.now() / 1000) + 2)
  await send(owner, registryCalls.grant('s2', a, 'publish', expiresAtS))
  assert.is(await allows('s2', a, 'publish'), true)
  const deadline = Date.now() + 10_000
  let expired = false
  while (!expired && Date.now() < deadline) {
    await sleep(BLOCK_TIME_MS)
    expired = !(await allows('s2', a, 'publish'))
  }
  assert.ok(expired, 'expired')
  assert.ok(Date.now() / 1000 >= Number(expiresAtS), 'not before its time')
})

Registry('a grant takes effect with the next block, not when it is submitted', async () => {
  const a = addressOf(alice)
  await send(owner, registryCalls.createStream('s3'))
  // Right after a block, so that the check below lands before the next one.
  const before = await blockNumber()
  while (await blockNumber() === before) await sleep(20)
  const submittedIn = await blockNumber()
  const hash = await submitRegistryTransaction(rpc, owner, DEFAULT_REGISTRY_ADDRESS, registryCalls.grant('s3', a, 'subscribe', (1n << 64n) - 1n))
  const seenBefore = await allows('s3', a, 'subscribe')
  const stillIn = await blockNumber()
  const receipt = await waitForReceipt(rpc, hash)
  assert.ok(receipt.blockNumber > submittedIn, `included in a later block (${receipt.blockNumber} > ${submittedIn})`)
  if (stillIn === submittedIn) assert.is(seenBefore, false, 'not in effect while its block is still to come')
  else console.log(`(the check landed after block ${stillIn}; the machine was slow)`)
  assert.is(await allows('s3', a, 'subscribe'), true, 'in effect once its block is made')
  assert.is(await rpc.request('eth_getTransactionCount', [addressOf(owner), 'latest']), await rpc.request('eth_getTransactionCount', [addressOf(owner), 'pending']))
})

Registry('bad JSON-RPC input gets error objects with the JSON-RPC codes, never a stack trace', async () => {
  const code = async (body: string) => (JSON.parse((await rawPost(body)).text) as { error: { code: number; message: string } }).error
  assert.is((await code('{not json')).code, -32700)
  assert.is((await code('42')).code, -32600)
  assert.is((await code('{"jsonrpc":"2.0","id":1}')).code, -32600)
  assert.is((await code('{"jsonrpc":"2.0","id":1,"method":"eth_mine"}')).code, -32601)
  assert.is((await code('{"jsonrpc":"2.0","id":1,"method":"eth_call","params":{}}')).code, -32602)
  assert.match((await code('{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"0x12"}]}')).message, /params\[0\]\.to: expected an address/)
  assert.match((await code('{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"0x5743000000000000000000000000000000000001","data":"0x"},"0x1"]}')).message, /block: expected "latest"/)
  assert.is((await code('{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0xdeadbeef"]}')).code, -32602)
  assert.is((await code('{"jsonrpc":"2.0","id":1,"method":"eth_getTransactionReceipt","params":["0x1234"]}')).code, -32602)
  const unknownStream = await code(`{"jsonrpc":"2.0","id":1,"method":"eth_estimateGas","params":[{"to":"${DEFAULT_REGISTRY_ADDRESS}","data":"${registryCalls.makePublic('none')}"}]}`)
  assert.equal([unknownStream.code, unknownStream.message], [3, 'execution reverted: no such stream'])
  const batch = JSON.parse((await rawPost('[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"nope"}]')).text) as { id: number; result?: string; error?: { code: number } }[]
  assert.equal(batch.map((r) => r.result ?? r.error!.code), ['0x7a69', -32601])
  assert.is((await code(`[${'{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},'.repeat(33)}1]`)).code, -32600, 'a batch too long')
  const big = await rawPost(`{"jsonrpc":"2.0","id":1,"method":"eth_call","params":["${'a'.repeat(MAX_RPC_BODY_BYTES)}"]}`)
  assert.is(big.status, 413)
  assert.is((JSON.parse(big.text) as { error: { code: number } }).error.code, -32600)
  assert.is((await rawPost('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', 'text/plain')).status, 200, 'any content type')
  const get = await fetch(`${url}/anything`)
  assert.is(get.status, 404)
  for (const text of [big.text, await get.text()]) assert.not.match(text, /\bat .+:\d+/)
  await refused(new JsonRpcClient('http://127.0.0.1:1', 2_000).request('eth_chainId', []), (e: Error) => e instanceof RpcCallError)
  assert.is(await rpc.request('eth_chainId', []), '0x7a69', 'still serving')
})

Registry('the CLI signs with a key file, reports what the contract refuses (exit 3) and bad arguments by name (exit 2)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brtc-registry-'))
  try {
    const ownerKey = join(dir, 'owner.key')
    writeFileSync(ownerKey, `${owner}\n`, { mode: 0o600 })
    const cli = async (...args: string[]) => {
      const p = runLiveProcess('registry.ts', [...args, '--rpc', url], { keyFromEnv: false })
      return { code: await p.exited, out: p.output() }
    }
    const created = await cli('create-stream', 'cli-demo', '--key-file', ownerKey)
    assert.is(created.code, 0, created.out)
    assert.match(created.out, new RegExp(`created stream cli-demo, owned by ${addressOf(owner)} \\(block \\d+`))
    const a = addressOf(alice)
    const granted = await cli('grant', 'cli-demo', a, 'publish', '--expires', '2100-01-01T00:00:00Z', '--key-file', ownerKey)
    assert.is(granted.code, 0, granted.out)
    assert.equal([await cli('allows', 'cli-demo', a, 'publish'), await cli('allows', 'cli-demo', a, 'subscribe')].map((r) => r.out.trim()), ['true', 'false'])
    const refused = await cli('revoke', 'cli-demo', a, 'publish', '--key-file', join(dir, 'stranger.key'))
    assert.is(refused.code, 3, refused.out)
    assert.match(refused.out, /error: the registry refuses it: execution reverted: not the stream's owner/)
    for (const [args, field] of [
      [['grant', 'cli-demo', '0x12', 'publish'], 'USER'], [['grant', 'cli-demo', a, 'write'], 'PERMISSION'],
      [['grant', 'cli-demo', a, 'publish', '--expires', 'soon'], '--expires'], [['revoke', 'cli-demo'], 'expected STREAM USER PERMISSION'],
      [['mint', 'x'], 'command'], [['allows', 'cli-demo', a, 'publish', '--address', 'here'], '--address'],
    ] as [string[], string][]) {
      const r = await cli(...args)
      assert.is(r.code, 2, r.out)
      assert.ok(r.out.includes(`error: ${field}`), `${field} named in:\n${r.out}`)
    }
    // address: a key file's address, for grants before a node first starts; the file is made if missing.
    const addressOfFile = async (...args: string[]) => {
      const p = runLiveProcess('registry.ts', ['address', ...args], { keyFromEnv: false })
      return { code: await p.exited, out: p.output() }
    }
    assert.equal(await addressOfFile('--key-file', ownerKey), { code: 0, out: `${addressOf(owner)}\n` })
    const fresh = await addressOfFile('--key-file', join(dir, 'keys', 'fresh.key'))
    assert.is(fresh.code, 0, fresh.out)
    assert.match(fresh.out, /created key file .*fresh\.key/)
    assert.is((await addressOfFile('--key-file', join(dir, 'keys', 'fresh.key'))).out, `${/0x[0-9a-f]{40}/.exec(fresh.out)![0]}\n`, 'the same key next time')
    assert.is((await cli('address', '--key-file', ownerKey)).code, 2, '--rpc is not an option of address')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

Registry.run()
