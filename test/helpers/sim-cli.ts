// The simulator's command line run as a user runs it (a new process from the project root), and
// the error a function throws, for tests that check exit codes, output and messages.

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..')

/** Generous: a command that hangs fails its test rather than holding it to the file's time limit. */
const COMMAND_TIMEOUT_MS = 300_000

/** `npm run sim -- ...args`: exit code (null if killed), stdout, stderr. */
export function sim(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/sim.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: COMMAND_TIMEOUT_MS,
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** The Error `run` throws; fails the test when it throws none. */
export function thrown(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    if (error instanceof Error) return error
  }
  throw new Error('expected an error')
}
