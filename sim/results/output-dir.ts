// Where a run's files go when the user names the folder (--out). It must be new or empty, so files
// of two runs never mix (a stale deliveries.csv beside a new summary.json), and writable, checked
// before the run starts rather than after it has computed everything. The check leaves no trace:
// folders it made to try are removed again.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { InputError } from '../input-error.ts'

const PROBE = '.brtc-write-probe'

export function prepareOutputDir(dir: string, flag = '--out'): void {
  let isDirectory: boolean | undefined
  try {
    isDirectory = statSync(dir).isDirectory()
  } catch {
    isDirectory = undefined
  }
  if (isDirectory === false) throw new InputError(`${flag} ${dir}: is a file; expected a new or empty folder to write the results into`)
  if (isDirectory === true) {
    const entries = readdirSync(dir)
    if (entries.length > 0) {
      const shown = entries.slice(0, 4).join(', ') + (entries.length > 4 ? `, ... (${entries.length} in all)` : '')
      throw new InputError(`${flag} ${dir}: already holds ${shown}; expected a new or empty folder, so that files of two runs never mix`)
    }
  }
  let made: string[] = []
  try {
    made = makeDirectories(dir)
    writeFileSync(join(dir, PROBE), '')
    rmSync(join(dir, PROBE))
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error)
    throw new InputError(`${flag} ${dir}: cannot be written (${reason}); expected a folder this user can create and write`)
  } finally {
    for (const d of made.reverse()) rmSync(d, { recursive: true, force: true })
  }
}

/**
 * mkdir -p, one level at a time, returning what it made: Node's recursive mkdir never returns on
 * some pseudo file systems (under /proc it loops on ENOENT), and a folder that cannot be made
 * must be an error.
 */
function makeDirectories(dir: string): string[] {
  const missing: string[] = []
  let at = resolve(dir)
  while (!existsSync(at)) {
    missing.push(at)
    const parent = dirname(at)
    if (parent === at) break
    at = parent
  }
  const made: string[] = []
  for (const d of missing.reverse()) {
    mkdirSync(d)
    made.push(d)
  }
  return made
}
