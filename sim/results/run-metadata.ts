// What every result file says about where it came from: project version and git commit.

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface RunMetadata {
  version: string
  /** Commit hash, with `-dirty` when the work tree had uncommitted changes; outside git, BRTC_GIT_COMMIT or `unknown`. */
  commit: string
}

let cached: RunMetadata | undefined

export function runMetadata(): RunMetadata {
  if (cached !== undefined) return cached
  const version = (JSON.parse(readFileSync(`${PROJECT_ROOT}package.json`, 'utf8')) as { version: string }).version
  cached = { version, commit: gitCommit() }
  return cached
}

function gitCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const hash = git('rev-parse', '--short=12', 'HEAD')
    // Only tracked source counts: run outputs under results/ are ignored anyway.
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== ''
    return dirty ? `${hash}-dirty` : hash
  } catch {
    // No git here (a container image): the commit the image was built from, if it was told.
    return process.env.BRTC_GIT_COMMIT ?? 'unknown'
  }
}
