// The whole project typechecks under the strict tsconfig (tsx runs TypeScript without checking).

import { spawnSync } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const Typecheck = suite('project typecheck')

Typecheck('passes tsc --noEmit under the strict tsconfig with no errors', () => {
  const r = spawnSync('npx', ['tsc', '--noEmit', '-p', '.'], { encoding: 'utf8' })
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`)
})

Typecheck.run()
