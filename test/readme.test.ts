// The README is the front door: every command it shows must work as written. Every
// `npm run sim -- ...` command is checked with --dry-run (the scenario, every sweep point, the files
// they name, memory); those on the quick start also run; every `npm run X` names a script.
// time-limit: 300 s

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const Readme = suite('README')
const ROOT = join(import.meta.dirname, '..')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }

/** Commands in code blocks and inline code, a shell comment cut off. */
function commands(): string[] {
  const found: string[] = []
  let fenced = false
  for (const line of README.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    else if (fenced && /^\s*npm (run|start|test|ci)/.test(line)) found.push(line.replace(/\s+#.*$/, '').trim())
    else if (!fenced) for (const inline of line.matchAll(/`(npm run [^`]+)`/g)) found.push(inline[1].trim())
  }
  return [...new Set(found)]
}

/** Generic forms the README explains, not commands to type as they are. */
const PLACEHOLDER = /<[^>]+>|\bFILE\b|my\.yaml|path\/to|\bNAME\b|\bDIR\b|\.\.\./

function sim(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/sim.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: r.stdout + r.stderr }
}

/** Splits a shell line into words, honouring single quotes (the README quotes YAML lists). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2])
}

Readme('every npm script the README names exists', () => {
  const named = new Set<string>()
  for (const m of README.matchAll(/npm run ([a-z][a-z:-]*)/g)) named.add(m[1])
  assert.ok(named.size >= 8, [...named].join())
  for (const name of named) assert.ok(name in PACKAGE.scripts, `npm run ${name}: no such script in package.json`)
})

Readme('every npm run sim command it shows is valid as written (--dry-run)', () => {
  // merge reads the folders an earlier sweep --shard wrote: test/sweep-parallel.test.ts runs it.
  const sims = commands().filter((c) => c.startsWith('npm run sim -- ') && !c.startsWith('npm run sim -- merge ') && !PLACEHOLDER.test(c))
  assert.ok(sims.length >= 3, sims.join('\n'))
  for (const c of sims) {
    const args = words(c.slice('npm run sim -- '.length))
    // --viz would start a server: its scenario and options are checked without it.
    const r = sim([...args.filter((a) => a !== '--viz'), '--dry-run'])
    assert.is(r.code, 0, `${c}\n${r.out}`)
    assert.match(r.out, /valid; would run/, c)
  }
})

Readme('the quick start\'s commands run: the file as it is, with --set nodes, and with the fixed latency example', () => {
  const out = mkdtempSync(join(tmpdir(), 'readme-'))
  try {
    const examples = [
      ['run', 'scenarios/quickstart.yaml'],
      ['run', 'scenarios/quickstart.yaml', '--set', 'nodes=5000'],
      ['run', 'scenarios/quickstart.yaml', '--set', 'network.latency.model=fixed', '--set', 'network.latency.ms=20'],
    ]
    assert.ok(README.includes('npm run sim -- run scenarios/quickstart.yaml --set nodes=5000'))
    assert.ok(README.includes('--set network.latency.model=fixed --set network.latency.ms=20'))
    examples.forEach((args, k) => {
      const r = sim([...args, '--quiet', '--out', join(out, String(k))])
      assert.is(r.code, 0, `${args.join(' ')}\n${r.out}`)
      assert.match(r.out, /delivery ratio 1 /, args.join(' '))
    })
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})

Readme.run()
