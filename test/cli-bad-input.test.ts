// Bad input never costs a run, a stack trace or the machine: each case found by running the
// command line as a new user would ends in one clear error (file, field, what was expected),
// exit 2, before any work starts and with nothing written; or, where the run can go on, it says
// what it did.
// It starts dozens of CLI processes: 146 s on the 2-core machine while other jobs ran.
// time-limit: 420 s

import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { sim } from './helpers/sim-cli.ts'

const BadInput = suite('command line, bad input')
const dir = mkdtempSync(join(tmpdir(), 'cli-bad-'))
BadInput.after(() => rmSync(dir, { recursive: true, force: true }))


function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const SMALL = 'protocol: brubeck\nnodes: 60\nnetwork: { latency: { model: fixed, ms: 5 } }\nworkload: { messagesPerPublisher: 5, warmupS: 1 }\n'

/** One line on stderr, exit 2, no stack trace. */
function refused(r: { code: number | null; err: string }, pattern: RegExp): void {
  assert.is(r.code, 2, r.err)
  assert.match(r.err, pattern)
  assert.not.match(r.err, /\n\s+at /, 'no stack trace')
  assert.ok(r.err.length < 2_000, `short: ${r.err.length} characters`)
}

BadInput('a run too big for this machine is refused with the estimate and the limit; --max-memory-mb moves the limit', () => {
  const big = file('big.yaml', `name: big\n${SMALL.replace('nodes: 60', 'nodes: 5000000')}`)
  refused(sim('run', big, '--out', join(dir, 'big-out')), /big\.yaml: nodes: got 5,000,000, expected a run this machine can hold: it needs about [\d,]+ MB .* the limit is [\d,]+ MB/)
  assert.not.ok(existsSync(join(dir, 'big-out')), 'nothing written')
  const small = file('small.yaml', `name: small\n${SMALL}`)
  refused(sim('run', small, '--max-memory-mb', '10'), /the limit is 10 MB \(set by --max-memory-mb\)/)
})

BadInput('every integer is bounded: 1e12 messages is refused, not wrapped to 1', () => {
  const small = file('wrap.yaml', `name: wrap\n${SMALL}`)
  refused(sim('run', small, '--set', 'workload.messagesPerPublisher=1e12'), /--set: workload\.messagesPerPublisher: got 1000000000000, expected an integer >= 0 and <= 10000000/)
})

BadInput('a malformed matrix CSV is named with its line before anything runs, in a sweep too', () => {
  file('good.csv', 'region,a,b\na,0,10\nb,10,0\n')
  file('bad.csv', 'region,a,b\na,0,10\nb,10\n')
  const one = file('m.yaml', `name: m\n${SMALL.replace('{ model: fixed, ms: 5 }', '{ model: matrix, file: bad.csv }')}`)
  refused(sim('run', one), /m\.yaml: network\.latency\.file: got "bad\.csv", expected a well-formed RTT matrix CSV \(.*bad\.csv: line 3: expected 3 cells, got 2\)/)
  const sweep = file('ms.yaml', `name: ms\n${SMALL.replace('{ model: fixed, ms: 5 }', '{ model: matrix, file: good.csv }')}sweep: { network.latency.file: [good.csv, bad.csv] }\n`)
  const out = join(dir, 'ms-out')
  refused(sim('sweep', sweep, '--out', out), /sweep point network\.latency\.file="bad\.csv": network\.latency\.file: .*line 3/)
  assert.not.ok(existsSync(out), 'the good point did not run either')
})

BadInput('a partition naming a region the matrix lacks is refused', () => {
  file('ok.csv', 'region,a,b\na,0,10\nb,10,0\n')
  const p = file('p.yaml', `name: p\n${SMALL.replace('{ model: fixed, ms: 5 }', '{ model: matrix, file: ok.csv }, events: [ { type: partition, atS: 1, untilS: 2, regions: [zz] } ]')}`)
  refused(sim('run', p), /network\.events\[0\]\.regions\[0\]: got "zz", expected a region of the matrix model; unknown region "zz" \(known: a, b\)/)
})

BadInput('an error about a huge value shows its start and its size, not 10 MB of it', () => {
  const huge = file('huge.yaml', `name: huge\n${SMALL}description: [${Array.from({ length: 100_000 }, (_, i) => i).join(', ')}]\n`)
  const r = sim('run', huge)
  refused(r, /description: got \[0,1,2,.*\.\.\. \([\d,]+ characters\), expected a string/)
})

BadInput('--out must be a new or empty, writable folder, checked before the run', () => {
  const small = file('out.yaml', `name: out\n${SMALL}`)
  const aFile = file('a-file', 'x')
  refused(sim('run', small, '--out', aFile), /--out .*a-file: is a file; expected a new or empty folder/)
  const used = join(dir, 'used')
  mkdirSync(used)
  writeFileSync(join(used, 'deliveries.csv'), 'stale')
  refused(sim('run', small, '--out', used), /--out .*used: already holds deliveries\.csv; expected a new or empty folder, so that files of two runs never mix/)
  assert.equal(readdirSync(used), ['deliveries.csv'])
  assert.is(readFileSync(join(used, 'deliveries.csv'), 'utf8'), 'stale')
  refused(sim('run', small, '--out', '/proc'), /--out \/proc: already holds/)
  refused(sim('run', small, '--out', '/proc/no-such-dir'), /--out \/proc\/no-such-dir: cannot be written/)
})

BadInput('a leave of more nodes than are online says what it did', () => {
  const leave = file('leave.yaml', `name: leave\n${SMALL}churn: { events: [ { type: leave, atS: 2, count: 59 }, { type: leave, atS: 3, count: 10 } ] }\n`)
  const out = join(dir, 'leave-out')
  const r = sim('run', leave, '--out', out, '--quiet')
  assert.is(r.code, 0, r.err)
  assert.match(r.out, /warning: churn\.events\[1\] \(leave at 3 s\): asked for 10 nodes, only 0 were online and allowed to leave/)
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] }
  assert.is(summary.warnings.length, 1)
})

BadInput('an empty sweep, a sweep of a file without one, and check without budgets are refused', () => {
  refused(sim('run', file('sw.yaml', `name: sw\n${SMALL}sweep: {}\n`)), /sw\.yaml: sweep: got \{\}, expected a non-empty mapping/)
  refused(sim('sweep', file('nosweep.yaml', `name: nosweep\n${SMALL}`)), /nosweep\.yaml: sweep: got nothing, expected a sweep: grid/)
  refused(sim('check', file('nobudget.yaml', `name: nobudget\n${SMALL}`)), /nobudget\.yaml: budgets: got none, expected at least one budget for check to judge/)
})

BadInput('--dry-run checks everything and runs nothing', () => {
  const r = sim('run', 'scenarios/flood-100k.yaml', '--dry-run')
  assert.is(r.code, 0, r.err)
  assert.match(r.out, /valid; would run 1 point\(s\) of flood-100k .* MB at most; nothing was run/)
})

/** A port held by another server for the duration of `fn`. */
async function withBusyPort(fn: (port: number) => Promise<void>): Promise<void> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await fn((server.address() as { port: number }).port)
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

function command(args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => { err += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, err })
    })
  })
}

BadInput('a busy port: the explorer and run --viz say which port and how to choose another', async () => {
  await withBusyPort(async (port) => {
    refused(await command(['cli/viz.ts', '--port', String(port)]), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use .* --port 0 for any free port`))
    const small = file('viz.yaml', `name: viz\n${SMALL}`)
    refused(await command(['cli/sim.ts', 'run', small, '--viz', '--port', String(port)]), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`))
  })
})

BadInput.run()
