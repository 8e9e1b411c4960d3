// The browser node's code (live/browser/index.ts and what it imports from core/ and live/) as one
// ES module, built by esbuild on the first request and kept in memory: nothing generated is
// committed, and the page always runs the core in this checkout.
//
// The bundle must hold nothing Node-only. esbuild already refuses node: built-ins for the browser
// platform, but packages such as `ws` ship a browser stub that bundles fine and throws at run
// time, so the build also fails if any input comes from a package on NODE_ONLY.

import { build } from 'esbuild'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BROWSER_NODE_ENTRY = join(dirname(fileURLToPath(import.meta.url)), '..', 'live', 'browser', 'index.ts')
const NODE_ONLY = ['ws', 'node-datachannel']

export interface BrowserBundle {
  code: string
  /** Every source file in it, relative to the project root. */
  inputs: string[]
  buildMs: number
}

let cached: Promise<BrowserBundle> | undefined

/** The bundle, built once per process; a failed build is retried on the next call. */
export function browserNodeBundle(): Promise<BrowserBundle> {
  cached ??= buildBrowserNodeBundle().catch((error: unknown) => {
    cached = undefined
    throw error
  })
  return cached
}

export async function buildBrowserNodeBundle(): Promise<BrowserBundle> {
  const start = performance.now()
  const result = await build({
    entryPoints: [BROWSER_NODE_ENTRY],
    absWorkingDir: join(dirname(BROWSER_NODE_ENTRY), '..', '..'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    write: false,
    metafile: true,
    sourcemap: 'inline',
    logLevel: 'silent',
  })
  const inputs = Object.keys(result.metafile.inputs)
  const forbidden = inputs.filter((path) => NODE_ONLY.some((pkg) => path.includes(`node_modules/${pkg}`)))
  if (forbidden.length > 0) throw new Error(`the browser bundle would include Node-only code: ${forbidden.join(', ')}`)
  return { code: result.outputFiles[0].text, inputs, buildMs: performance.now() - start }
}
