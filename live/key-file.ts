// Where a node or tracker process gets its key, in this order: `privateKey` in its config, the
// BRTC_PRIVATE_KEY environment variable, or its key file, which is created with a fresh random
// key on first start and readable only by its owner afterwards. A key derived from a seed (anyone
// who read the seed can sign as the node) is used only when `insecureTestKeys` asks for it, and
// then with a warning. Node-only (fs); the browser node keeps its key in the page.

import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import { generateKeyPair, keyPairFromPrivateKey } from '../core/message-layer/identity.ts'
import { InputError } from '../sim/input-error.ts'
import { systemSecureRandom } from './live-message-layer.ts'

/** The environment variable that may hold a process's key (hex), instead of a key file. */
export const PRIVATE_KEY_ENV = 'BRTC_PRIVATE_KEY'
/** Where a process keeps its key unless told otherwise (relative to its working directory). */
export const DEFAULT_KEY_DIR = 'keys'
/** Owner read and write, nobody else: the mode ssh asks of a private key. */
const KEY_FILE_MODE = 0o600

export const INSECURE_TEST_KEYS_WARNING = 'warning: insecureTestKeys: this key is derived from the seed, and anyone who knows the seed can sign as this node; use it only in tests'

/** True for 64 hex digits (0x optional) that make a valid secp256k1 key. */
export function isPrivateKeyHex(text: unknown): text is string {
  if (typeof text !== 'string' || !/^(0x)?[0-9a-fA-F]{64}$/.test(text)) return false
  try {
    keyPairFromPrivateKey(text)
    return true
  } catch {
    return false
  }
}

export interface ProcessKey {
  /** The key (hex); undefined with insecureTestKeys (derived from the seed by liveIdentity). */
  privateKey: string | undefined
  /** Where it came from, for the start line. */
  source: string
}

/**
 * The key a process runs with. `configKey` is the config's privateKey (already checked), `keyFile`
 * the path to read or create. Refuses (InputError, exit 2) a key file that is not a key or that
 * others may read.
 */
export function processKey(options: { configKey?: string; keyFile: string; insecureTestKeys: boolean; env?: NodeJS.ProcessEnv }): ProcessKey {
  if (options.insecureTestKeys) {
    console.error(INSECURE_TEST_KEYS_WARNING)
    return { privateKey: undefined, source: 'derived from the seed (insecureTestKeys)' }
  }
  if (options.configKey !== undefined) return { privateKey: options.configKey, source: 'config privateKey' }
  const fromEnv = (options.env ?? process.env)[PRIVATE_KEY_ENV]
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isPrivateKeyHex(fromEnv)) throw new InputError(`${PRIVATE_KEY_ENV}: expected 64 hex digits (a secp256k1 private key)`)
    return { privateKey: fromEnv, source: PRIVATE_KEY_ENV }
  }
  return { privateKey: readOrCreateKeyFile(options.keyFile), source: `key file ${options.keyFile}` }
}

function readOrCreateKeyFile(path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError(`cannot read key file ${path}: ${(error as Error).message}`)
    const key = bytesToHex(generateKeyPair(systemSecureRandom).privateKey)
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    // wx: never overwrite a key another process created meanwhile; if one did, that key is the key.
    try {
      writeFileSync(path, `${key}\n`, { mode: KEY_FILE_MODE, flag: 'wx' })
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreateKeyFile(path)
      throw new InputError(`cannot create key file ${path}: ${(raced as Error).message}`)
    }
    chmodSync(path, KEY_FILE_MODE)
    console.error(`created key file ${path} (a fresh random key, readable only by you)`)
    return key
  }
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new InputError(`key file ${path}: readable by others (mode ${(statSync(path).mode & 0o777).toString(8)}); chmod 600 it`)
  }
  if (!isPrivateKeyHex(text)) throw new InputError(`key file ${path}: expected 64 hex digits (a secp256k1 private key)`)
  return text
}
