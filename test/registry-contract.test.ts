// The StreamRegistry artifact is what solc makes of the source now (run `npm run build:contracts`
// after editing the contract), and the ABI helpers agree with it.

import { readFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { revertReason, selectorOf } from '../live/registry/abi.ts'
import { CONTRACT_ARTIFACT, artifactText, compileStreamRegistry } from '../live/registry/contract-build.ts'
import { registryArtifact, registryCalls } from '../live/registry/registry-contract.ts'

const Contract = suite('StreamRegistry artifact')

Contract('the committed artifact is what solc compiles from the source now', async () => {
  const fresh = artifactText(await compileStreamRegistry())
  assert.ok(readFileSync(CONTRACT_ARTIFACT, 'utf8') === fresh, `${CONTRACT_ARTIFACT} is stale: run npm run build:contracts`)
})

Contract('calldata uses the selectors of the ABI and encodes strings after the static arguments', () => {
  const allows = registryArtifact.abi.find((e) => e.name === 'allows')!
  assert.is(selectorOf(allows), 'f4fe67e6', 'keccak256("allows(string,address,uint8)")[0..4]')
  const data = registryCalls.allows('demo', '0x00000000000000000000000000000000000000aa', 'subscribe')
  assert.is(data.slice(2, 10), selectorOf(allows))
  const words = data.slice(10).match(/.{64}/g)!
  assert.equal(words.map((w) => BigInt(`0x${w}`)), [96n, 0xaan, 1n, 4n, BigInt(`0x${Buffer.from('demo').toString('hex').padEnd(64, '0')}`)])
  // Error(string) with "no such stream", as require() reverts.
  const reason = `0x08c379a0${(32n).toString(16).padStart(64, '0')}${(14n).toString(16).padStart(64, '0')}${Buffer.from('no such stream').toString('hex').padEnd(64, '0')}`
  assert.is(revertReason(reason), 'no such stream')
  assert.is(revertReason('0x'), undefined)
})

Contract.run()
