// The Solidity ABI, as far as the StreamRegistry's functions need it: calls with string, address,
// bool and unsigned integer arguments, results of the static ones, and revert reasons
// (Error(string)). Selectors come from the artifact's ABI, so the contract and its callers agree.

import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import type { AbiEntry } from './contract-build.ts'

export type AbiValue = string | bigint | boolean

const WORD = 32
/** Error(string)'s selector: what `require(cond, "reason")` reverts with. */
const ERROR_STRING_SELECTOR = '08c379a0'

export function functionOf(abi: readonly AbiEntry[], name: string): AbiEntry {
  const entry = abi.find((e) => e.type === 'function' && e.name === name)
  if (entry === undefined) throw new Error(`the contract has no function ${name}`)
  return entry
}

export function selectorOf(entry: AbiEntry): string {
  const signature = `${entry.name}(${(entry.inputs ?? []).map((i) => i.type).join(',')})`
  return bytesToHex(keccak_256(utf8ToBytes(signature)).subarray(0, 4))
}

/** Calldata (0x...) for `name(args)`. */
export function encodeCall(abi: readonly AbiEntry[], name: string, args: readonly AbiValue[]): string {
  const entry = functionOf(abi, name)
  const inputs = entry.inputs ?? []
  if (args.length !== inputs.length) throw new Error(`${name}: expected ${inputs.length} arguments, got ${args.length}`)
  const heads: string[] = []
  const tails: string[] = []
  let tailOffset = inputs.length * WORD
  inputs.forEach((input, i) => {
    const value = args[i]
    if (input.type === 'string') {
      const bytes = utf8ToBytes(String(value))
      const padded = new Uint8Array(Math.ceil(bytes.length / WORD) * WORD)
      padded.set(bytes)
      heads.push(word(BigInt(tailOffset)))
      const tail = word(BigInt(bytes.length)) + bytesToHex(padded)
      tails.push(tail)
      tailOffset += tail.length / 2
    } else heads.push(encodeStatic(input.type, value, `${name}.${input.name}`))
  })
  return `0x${selectorOf(entry)}${heads.join('')}${tails.join('')}`
}

/** The values `name` returned (static types only: bool, address, uintN). */
export function decodeResult(abi: readonly AbiEntry[], name: string, data: string): AbiValue[] {
  const outputs = functionOf(abi, name).outputs ?? []
  const hex = strip0x(data)
  if (hex.length < outputs.length * WORD * 2) throw new Error(`${name}: expected ${outputs.length} words of result, got ${hex.length / 2} bytes`)
  return outputs.map((o, i) => {
    const w = hex.slice(i * 64, i * 64 + 64)
    if (o.type === 'bool') return BigInt(`0x${w}`) !== 0n
    if (o.type === 'address') return `0x${w.slice(24)}`
    if (/^uint\d*$/.test(o.type)) return BigInt(`0x${w}`)
    throw new Error(`${name}: cannot decode a ${o.type}`)
  })
}

/** The reason string of a revert's data, if it carries Error(string). */
export function revertReason(data: string): string | undefined {
  const hex = strip0x(data)
  if (!hex.startsWith(ERROR_STRING_SELECTOR) || hex.length < 8 + 128) return undefined
  const body = hex.slice(8)
  const length = Number(BigInt(`0x${body.slice(64, 128)}`))
  if (body.length < 128 + length * 2) return undefined
  return new TextDecoder().decode(hexToBytes(body.slice(128, 128 + length * 2)))
}

function encodeStatic(type: string, value: AbiValue, what: string): string {
  if (type === 'bool') return word(value === true ? 1n : 0n)
  if (type === 'address') {
    if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) throw new Error(`${what}: expected an address (0x and 40 hex digits), got ${String(value)}`)
    return value.slice(2).toLowerCase().padStart(64, '0')
  }
  const bits = /^uint(\d*)$/.exec(type)
  if (bits !== null) {
    const n = typeof value === 'bigint' ? value : BigInt(value as string)
    if (n < 0n || n >= 1n << BigInt(bits[1] === '' ? 256 : Number(bits[1]))) throw new Error(`${what}: ${n} does not fit a ${type}`)
    return word(n)
  }
  throw new Error(`${what}: cannot encode a ${type}`)
}

function word(n: bigint): string {
  return n.toString(16).padStart(64, '0')
}

function strip0x(hex: string): string {
  return hex.startsWith('0x') ? hex.slice(2) : hex
}
