// A node process's permissions file (live/local-permissions.ts describes it): read at start, where
// a bad file stops the process (exit 2), and watched while the node runs, where a bad edit is
// reported and the declarations in force stay.

import { readFileSync, unwatchFile, watchFile } from 'node:fs'
import { parse } from 'yaml'
import { type DeclarationsResult, type PermissionDeclarations, checkPermissionDeclarations } from '../live/local-permissions.ts'
import type { LiveMessageRoles } from '../live/live-message-roles.ts'
import { InputError } from './options.ts'

/** How often the file's modification time is checked. */
const WATCH_INTERVAL_MS = 500

function readDeclarations(path: string): DeclarationsResult {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    return { ok: false, problems: [`cannot read ${path}: ${(error as Error).message}`] }
  }
  let raw: unknown
  try {
    raw = parse(text)
  } catch (error) {
    return { ok: false, problems: [`${path}: not YAML or JSON: ${(error as Error).message.split('\n')[0]}`] }
  }
  return checkPermissionDeclarations(raw, path)
}

/** Declares `path`'s permissions on the node and follows its changes; returns the way to stop following. */
export function followPermissionsFile(path: string, messages: LiveMessageRoles, log: (line: string) => void): () => void {
  const first = readDeclarations(path)
  if (!first.ok) throw new InputError(`invalid permissions file (${first.problems.length} problem${first.problems.length === 1 ? '' : 's'}):\n  ${first.problems.join('\n  ')}`)
  const declare = (declarations: PermissionDeclarations, what: string) => {
    const applied = messages.declarePermissions(declarations)
    log(`${what} ${path}: ${declarations.size} stream${declarations.size === 1 ? '' : 's'}`
      + (applied.revokedSubscribers.length > 0 ? `; subscribers revoked on ${applied.revokedSubscribers.join(', ')}` : ''))
    for (const line of applied.needRestart) log(`permissions ${line}`)
  }
  declare(first.declarations, 'permissions from')
  watchFile(path, { interval: WATCH_INTERVAL_MS, persistent: false }, () => {
    const next = readDeclarations(path)
    if (next.ok) declare(next.declarations, 'permissions reloaded from')
    else log(`permissions file not applied, the previous declarations stay: ${next.problems.join('; ')}`)
  })
  return () => unwatchFile(path)
}
