// The test command itself: a file that hangs is killed at its time limit with the processes it
// started, reported as failed by name, and the other files still run and count.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DEFAULT_TIME_LIMIT_S, timeLimitOf } from './run.ts'

const TestRunner = suite('test runner')

// Inside the project, so the fixture files resolve uvu and tsx from its node_modules.
const dir = join(import.meta.dirname, '.artifacts', `runner-${process.pid}`)

TestRunner.before(() => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
})

TestRunner.after(() => {
  rmSync(dir, { recursive: true, force: true })
})

TestRunner('reads a file\'s declared limit, or gives the default', () => {
  assert.is(timeLimitOf('// a test\n// time-limit: 300 s\nimport x from "y"\n'), 300)
  assert.is(timeLimitOf('// a test\nimport x from "y"\n'), DEFAULT_TIME_LIMIT_S)
  assert.is(timeLimitOf(`${'\n'.repeat(30)}// time-limit: 5 s\n`), DEFAULT_TIME_LIMIT_S, 'only the first lines count')
})

TestRunner('kills a file that overruns, with its child processes, and goes on with the rest', () => {
  const pidFile = join(dir, 'child.pid')
  writeFileSync(join(dir, 'a-hangs.test.ts'), [
    // Long enough for tsx to start the file and its child on a loaded machine (2 s was not).
    '// time-limit: 10 s',
    "import { spawn } from 'node:child_process'",
    "import { writeFileSync } from 'node:fs'",
    "const child = spawn('sleep', ['600'], { stdio: 'ignore', detached: true })",
    `writeFileSync(${JSON.stringify(pidFile)}, String(child.pid))`,
    'setInterval(() => {}, 1000)',
    '',
  ].join('\n'))
  writeFileSync(join(dir, 'b-passes.test.ts'), [
    "import { test } from 'uvu'",
    "import * as assert from 'uvu/assert'",
    "test('one', () => assert.ok(true))",
    'test.run()',
    '',
  ].join('\n'))
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'run.ts')], {
    encoding: 'utf8',
    env: { ...process.env, TEST_RUN_DIR: dir },
    timeout: 60_000,
  })
  const out = r.stdout + r.stderr
  assert.is(r.status, 1, out)
  assert.match(out, /TIME .*a-hangs\.test\.ts: 0 passed, 1 failed/)
  assert.match(out, /killed after its time limit of 10 s/)
  assert.match(out, /ok\s+.*b-passes\.test\.ts: 1 passed, 0 failed/)
  assert.match(out, /over their time limit: a-hangs\.test\.ts/)
  assert.match(out.trimEnd().split('\n').at(-1)!, /^1 passed, 1 failed$/)
  assert.ok(existsSync(pidFile), 'the hanging file started its child')
  const pid = Number(readFileSync(pidFile, 'utf8'))
  assert.not.ok(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), `child ${pid} was killed`)
})

TestRunner.run()
