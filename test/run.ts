// The test command: runs every test/*.test.ts in its own process (so one file that fails to
// import cannot hide the rest), reads uvu's per-file summary, and ends with the plain line
// `N passed, N failed[, N skipped]` that CI reads. Exits non-zero on any failure.
// A test that cannot run here prints one line `SKIP <name> (<why>)` and counts as skipped.
//
// Every file runs under a time limit: DEFAULT_TIME_LIMIT_S, or what the file declares in a
// comment `// time-limit: N s` among its first lines. A file that overruns is killed with every
// process it started (browsers, node processes), reported as failed by name, and the run goes on:
// one hung live test must cost minutes, not the whole CI job.

import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
/** The folder of test files; another one (inside the project, so packages resolve) for the runner's own test. */
const TEST_DIR = process.env.TEST_RUN_DIR ?? join(ROOT, 'test')
/** Files run side by side: the machine has two cores. */
const PARALLEL = 2
/**
 * Files that time real sockets on real time (WebRTC, WebSockets, browsers, live runs) run one at
 * a time after the rest: beside another test on two cores they miss their deadlines now and
 * then (measured: 2-3 failures in 12 paired runs of live-webrtc, none alone).
 */
const RUN_ALONE = /^live-/
/** The slowest file takes about 40 s on an idle machine; four times that allows for a loaded one. */
export const DEFAULT_TIME_LIMIT_S = 180
/** After SIGTERM, how long a file has to close its sockets before SIGKILL. */
const GRACE_MS = 3_000
const TIME_LIMIT_LINE = /^\/\/ time-limit: (\d+) s$/m

interface FileResult {
  file: string
  passed: number
  failed: number
  skipped: number
  output: string
  seconds: number
  timedOut: boolean
}

/** The limit a file declares in its first lines, or the default. */
export function timeLimitOf(source: string): number {
  const head = source.split('\n', 20).join('\n')
  const m = TIME_LIMIT_LINE.exec(head)
  return m === null ? DEFAULT_TIME_LIMIT_S : Number(m[1])
}

/** Every process below `pid`, read from /proc (children may have started process groups of their own, as browsers do). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e))
  } catch {
    return []
  }
  for (const e of entries) {
    try {
      // Field 4 of /proc/PID/stat is the parent; the command name (field 2) may hold spaces, so split after its ')'.
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = children.get(ppid) ?? []
      list.push(Number(e))
      children.set(ppid, list)
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = []
  const stack = [pid]
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c)
      stack.push(c)
    }
  }
  return out
}

function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, signal)
    } catch {
      // Already gone.
    }
  }
}

function runFile(file: string): Promise<FileResult> {
  const limitS = timeLimitOf(readFileSync(join(TEST_DIR, file), 'utf8'))
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(TEST_DIR, file)], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    let timedOut = false
    let killTimer: NodeJS.Timeout | undefined
    const limitTimer = setTimeout(() => {
      timedOut = true
      // SIGTERM first, so a test's own cleanup may close sockets; then everything it started dies.
      signalTree(child.pid!, 'SIGTERM')
      killTimer = setTimeout(() => signalTree(child.pid!, 'SIGKILL'), GRACE_MS)
    }, limitS * 1000)
    child.stdout.on('data', (d: Buffer) => { output += d })
    child.stderr.on('data', (d: Buffer) => { output += d })
    child.on('close', (code) => {
      clearTimeout(limitTimer)
      clearTimeout(killTimer)
      // Whatever the file left behind (a browser, a node process) goes with it.
      if (child.pid !== undefined) signalTree(child.pid, 'SIGKILL')
      const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? NaN)
      const passed = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0)
      const uvuSkipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0)
      const skipLines = (output.match(/^SKIP /gm) ?? []).length
      let failed = Number.isNaN(total) ? 0 : total - passed - uvuSkipped
      // No summary, a bad exit with nothing failed, or the limit: the file itself broke.
      if (timedOut) output += `\n${file}: killed after its time limit of ${limitS} s`
      if (Number.isNaN(total) || timedOut || (code !== 0 && failed === 0)) failed += 1
      const seconds = (performance.now() - started) / 1000
      resolve({ file, passed, failed, skipped: uvuSkipped + skipLines, output, seconds, timedOut })
    })
  })
}

async function main(): Promise<number> {
  const filter = process.argv[2]
  const files = readdirSync(TEST_DIR).filter((f) => f.endsWith('.test.ts') && (filter === undefined || f.includes(filter))).sort()
  const results: FileResult[] = []
  const shared = files.filter((f) => !RUN_ALONE.test(f))
  const alone = files.filter((f) => RUN_ALONE.test(f))
  let next = 0
  const worker = async (queue: string[]) => {
    while (next < queue.length) {
      const file = queue[next++]
      const r = await runFile(file)
      results.push(r)
      const status = r.timedOut ? 'TIME' : r.failed > 0 ? 'FAIL' : 'ok'
      const counts = `${r.passed} passed, ${r.failed} failed${r.skipped > 0 ? `, ${r.skipped} skipped` : ''}`
      console.log(`${status.padEnd(4)} ${relative(ROOT, join(TEST_DIR, file))}: ${counts} (${r.seconds.toFixed(1)} s)`)
      for (const line of r.output.split('\n').filter((l) => l.startsWith('SKIP '))) console.log(`     ${line}`)
      if (r.failed > 0) console.log(r.output.replace(/^/gm, '     | '))
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, () => worker(shared)))
  next = 0
  await worker(alone)
  const sum = (k: 'passed' | 'failed' | 'skipped') => results.reduce((a, r) => a + r[k], 0)
  const skipped = sum('skipped')
  const timedOut = results.filter((r) => r.timedOut).map((r) => r.file)
  if (files.length === 0) console.log('no test files found')
  if (timedOut.length > 0) console.log(`over their time limit: ${timedOut.join(', ')}`)
  console.log(`${sum('passed')} passed, ${sum('failed')} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
  return sum('failed') > 0 || files.length === 0 ? 1 : 0
}

// Imported by the runner's own test for timeLimitOf; run only as the command.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => { process.exitCode = code })
}
