import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { REFERENCE_RUNS, referenceFiles, storedFiles } from './helpers/reference-runs.ts'

// The simulator's storage and delivery path may change how it keeps nodes, links and samples,
// never what a run produces: each reference run must write the files it wrote when stored.
const ReferenceRuns = suite('reference runs')

for (const run of REFERENCE_RUNS) {
  ReferenceRuns(`${run.name} writes byte-identical files to the stored reference`, async () => {
    const fresh = await referenceFiles(run)
    const stored = storedFiles(run)
    for (const [file, text] of Object.entries(stored)) {
      if (fresh[file] === text) continue
      assert.unreachable(`${run.name}/${file} differs from the reference, first at: ${firstDifference(text, fresh[file] ?? '')}`)
    }
    assert.ok(Object.keys(stored).length >= 5, 'the reference has every file')
  })
}

function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n')
  const b = actual.split('\n')
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: expected ${JSON.stringify(a[i]?.slice(0, 300))}, got ${JSON.stringify(b[i]?.slice(0, 300))}`
  }
  return 'nowhere'
}

ReferenceRuns.run()
