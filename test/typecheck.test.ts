// The whole project typechecks under the strict tsconfig (tsx runs TypeScript without checking).

import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'

test('tsc --noEmit reports no errors', () => {
  const r = spawnSync('npx', ['tsc', '--noEmit', '-p', '.'], { encoding: 'utf8' })
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`)
})

test.run()
