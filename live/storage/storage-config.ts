// The `storage:` section of a node's config file (live/node-config.ts): with it the node is a
// storage node for every stream part in its `streams`, keeping their messages in an SQLite file.
//
//   storage:
//     path: data/storage.db        # the database file (created with its directory); required
//     maxAgeMs: 604800000          # retention by age of storage (default 7 days)
//     maxBytes: 1073741824         # retention by encoded size of all messages (default 1 GiB)
//     batchMessages: 1000          # inserts per transaction at most
//     batchDelayMs: 10             # the longest a received message waits to be committed (acknowledged)
//     synchronous: full            # full: a commit is on disk before it counts; normal: survives a crash of the process only
//     maxMessagesPerResponse: 10000  # messages in one resend answer at most (truncated past it)

import { type Problem, openSection } from '../config-section.ts'
import {
  DEFAULT_SQLITE_MESSAGE_STORE_OPTIONS, type SqliteMessageStoreOptions, type SynchronousMode,
} from './sqlite-message-store.ts'

export type StorageConfig = Omit<SqliteMessageStoreOptions, 'now'>

const KNOWN_STORAGE = ['path', 'maxAgeMs', 'maxBytes', 'batchMessages', 'batchDelayMs', 'synchronous', 'maxMessagesPerResponse']

/** The checked section, or undefined after reporting every problem through `problem`. */
export function checkStorageConfig(raw: unknown, problem: Problem): StorageConfig | undefined {
  const section = openSection(raw, 'storage', KNOWN_STORAGE, 'a mapping with at least path (the database file)', problem)
  if (section === undefined) return undefined
  const { fields: s, bad } = section
  if (typeof s.path !== 'string' || s.path.trim() === '') bad('path', s.path, 'the path of the database file')
  const d = DEFAULT_SQLITE_MESSAGE_STORE_OPTIONS
  const int = (field: keyof typeof d & string, min: number): number => {
    const v = s[field]
    if (v === undefined) return d[field] as number
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      bad(field, v, `an integer >= ${min}`)
      return d[field] as number
    }
    return v
  }
  const maxAgeMs = int('maxAgeMs', 1)
  const maxBytes = int('maxBytes', 1)
  const batchMessages = int('batchMessages', 1)
  const batchDelayMs = int('batchDelayMs', 0)
  const maxMessagesPerResponse = int('maxMessagesPerResponse', 1)
  const synchronous = s.synchronous ?? d.synchronous
  if (synchronous !== 'full' && synchronous !== 'normal') bad('synchronous', s.synchronous, '"full" or "normal"')
  if (!section.ok) return undefined
  return { path: s.path as string, maxAgeMs, maxBytes, batchMessages, batchDelayMs, synchronous: synchronous as SynchronousMode, maxMessagesPerResponse }
}
