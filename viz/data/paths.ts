// Turns URL segments into directories under the results root, refusing anything that could leave it.
// Runs are addressed by their path below the root: `<scenario>/<run>` or, for a sweep's grid point,
// `<scenario>/<sweep>/<point>`.

import { realpath, stat } from 'node:fs/promises'
import { resolve, sep, relative } from 'node:path'

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message)
  }
}

// Conservative on purpose: no leading dot (so no `.`/`..`/hidden dirs), no separators, no NUL.
const SEGMENT = /^[A-Za-z0-9_=,+@:~%-][A-Za-z0-9_.=,+@:~%-]{0,199}$/

export function checkSegments(segments: string[]): void {
  if (segments.length === 0) throw new HttpError(400, 'empty path')
  for (const s of segments) {
    if (!SEGMENT.test(s)) throw new HttpError(400, `bad path segment: ${JSON.stringify(s.slice(0, 60))}`)
  }
}

async function isDir(p: string): Promise<boolean> {
  try { return (await stat(p)).isDirectory() } catch { return false }
}

/** The real directory for `segments` under `root`; 400 for a bad name, 404 when it is not there. */
export async function resolveUnder(root: string, segments: string[]): Promise<string> {
  checkSegments(segments)
  const base = resolve(root)
  const target = resolve(base, ...segments)
  if (!(await isDir(target))) throw new HttpError(404, `not found: ${segments.join('/')}`)
  // Symlinks could still point outside the root; compare real paths.
  const [realBase, realTarget] = await Promise.all([realpath(base), realpath(target)])
  if (realTarget !== realBase && !realTarget.startsWith(realBase + sep)) throw new HttpError(400, 'path leaves the results directory')
  return target
}

/** The key (`a/b/c`) of a directory under root, or null when it is not under it. */
export function keyOf(root: string, dir: string): string | null {
  const rel = relative(resolve(root), resolve(dir))
  if (rel === '' || rel.startsWith('..') || rel.includes(':')) return null
  return rel.split(sep).join('/')
}
