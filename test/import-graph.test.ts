// Imports flow down only. The folders stand in layers: core at the bottom (sans-IO protocol),
// then sim and live (the two ways to run it), then viz (the explorer), then cli (the command
// line that composes every room), with test and bench on top. A file may import its own folder
// or a lower layer, never a higher one, so the folder graph has no cycle and a reader can
// change one room knowing who can see it.

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const ROOT = resolve(import.meta.dirname, '..')
const LAYERS: Record<string, number> = { core: 0, sim: 1, live: 2, viz: 3, cli: 4, test: 5, bench: 6 }

function sources(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (entry === 'node_modules' || entry.startsWith('.')) continue
    if (statSync(path).isDirectory()) out.push(...sources(path))
    else if (path.endsWith('.ts')) out.push(path)
  }
  return out
}

/** Relative specifiers of static and dynamic imports and re-exports. */
function specifiers(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(m[1])
  for (const m of text.matchAll(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) out.push(m[1])
  return out
}

const layerOf = (path: string) => relative(ROOT, path).split('/')[0]

const Imports = suite('imports')

Imports('every import goes to the file\'s own layer or a lower one', () => {
  const upward: string[] = []
  let checked = 0
  for (const folder of Object.keys(LAYERS)) {
    for (const file of sources(join(ROOT, folder))) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const target = layerOf(resolve(dirname(file), spec))
        checked++
        if (!(target in LAYERS)) upward.push(`${relative(ROOT, file)} imports ${spec}, outside the layered folders`)
        else if (LAYERS[target] > LAYERS[folder]) upward.push(`${relative(ROOT, file)} (${folder}) imports ${spec} (${target})`)
      }
    }
  }
  assert.ok(checked > 500, `${checked} imports read`)
  assert.equal(upward, [])
})

Imports('the check sees an upward import when there is one', () => {
  // A guard on the guard: the pattern must match the import forms the project uses.
  assert.equal(specifiers(`import { a } from '../viz/app.ts'\nexport { b } from './b.ts'\nconst c = await import('../cli/sim.ts')\n`),
    ['../viz/app.ts', './b.ts', '../cli/sim.ts'])
})

Imports.run()
