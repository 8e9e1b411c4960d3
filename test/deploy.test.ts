// The files that run a sweep beyond this machine: the Slurm array script, the Kubernetes Jobs
// and the Dockerfile they run. No cluster or image builder is here, so the scripts' own shell
// runs as a cluster would run it (task and index variables set, a stand-in for sbatch), and the
// YAML and Dockerfile are parsed and checked against each other and the project.

import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parseAllDocuments } from 'yaml'

const ROOT = join(import.meta.dirname, '..')
const tmp = mkdtempSync(join(tmpdir(), 'deploy-'))
const TINY = join(tmp, 'tiny.yaml')
writeFileSync(TINY, 'name: tiny\nprotocol: brubeck\nnodes: 30\nworkload: { messagesPerPublisher: 5, warmupS: 1 }\nbudgets: ["deliveryRatio >= 0.5"]\nsweep: { topology.degree: [3, 4, 5] }\n')

type Doc = Record<string, any>
const yamlDocs = (file: string): Doc[] => parseAllDocuments(readFileSync(join(ROOT, file), 'utf8')).map((d) => {
  assert.equal(d.errors, [], `${file}: ${d.errors.join('; ')}`)
  return d.toJS() as Doc
})

function sh(script: string, env: Record<string, string>) {
  const r = spawnSync('sh', ['-c', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 })
  return { code: r.status, out: r.stdout + r.stderr }
}

/** Rows of a sweep.csv, the preamble and header left out. */
const rowsOf = (dir: string) => readFileSync(join(dir, 'sweep.csv'), 'utf8').split('\n').filter((l) => /^\d/.test(l))

const Deploy = suite('deploy')

Deploy('the Kubernetes Indexed Job runs one shard per index into the volume the merge Job reads, and the merge puts them together', () => {
  const [pvc, job] = yamlDocs('deploy/k8s/sweep-job.yaml')
  const [merge] = yamlDocs('deploy/k8s/merge-job.yaml')
  assert.equal([pvc.kind, job.kind, merge.kind], ['PersistentVolumeClaim', 'Job', 'Job'])
  assert.is(job.spec.completionMode, 'Indexed')
  const container = job.spec.template.spec.containers[0]
  const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]))
  assert.is(Number(env.JOB_COMPLETIONS), job.spec.completions, 'JOB_COMPLETIONS = completions')
  assert.ok(existsSync(join(ROOT, env.SCENARIO)), env.SCENARIO)
  const mergeContainer = merge.spec.template.spec.containers[0]
  assert.is(mergeContainer.env.find((e: { name: string }) => e.name === 'SWEEP').value, env.SWEEP)
  assert.is(mergeContainer.image, container.image)
  for (const j of [job, merge]) {
    const spec = j.spec.template.spec
    assert.is(spec.volumes[0].persistentVolumeClaim.claimName, pvc.metadata.name)
    assert.is(spec.containers[0].volumeMounts[0].name, spec.volumes[0].name)
    assert.is(spec.containers[0].volumeMounts[0].mountPath, '/results')
  }
  // The pods' shell as Kubernetes runs it, with the volume at a folder here and a tiny scenario.
  const volume = join(tmp, 'k8s')
  mkdirSync(volume)
  const here = (script: string) => script.replaceAll('/results', volume)
  for (const index of ['0', '1']) {
    const r = sh(here(container.args[0]), { ...env, SCENARIO: TINY, JOB_COMPLETIONS: '2', JOB_COMPLETION_INDEX: index })
    assert.is(r.code, 0, r.out)
  }
  assert.equal(readdirSync(join(volume, env.SWEEP)).sort(), ['shard-0', 'shard-1'])
  const merged = sh(here(mergeContainer.args[0]), { SWEEP: env.SWEEP })
  assert.is(merged.code, 0, merged.out)
  assert.equal(rowsOf(join(volume, env.SWEEP, 'merged')).map((r) => r.split(',').slice(0, 2).join(' ')), ['3 point-1', '4 point-2', '5 point-3'])
})

Deploy('the Slurm array script runs the task\'s shard and submits a merge that runs after every task', () => {
  const script = join(ROOT, 'deploy/slurm/sweep.sbatch')
  const text = readFileSync(script, 'utf8')
  assert.match(text, /^#SBATCH --cpus-per-task=\d+$/m)
  // A stand-in for sbatch that records what it was asked to submit.
  const bin = join(tmp, 'bin')
  mkdirSync(bin)
  const submitted = join(tmp, 'submitted')
  writeFileSync(join(bin, 'sbatch'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${submitted}'\n`)
  chmodSync(join(bin, 'sbatch'), 0o755)
  const out = join(tmp, 'slurm')
  // --array=1-2: task ids 1 and 2 are shards 0 and 1.
  for (const task of ['1', '2']) {
    const r = spawnSync('bash', [script, TINY, out], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SLURM_SUBMIT_DIR: ROOT, SLURM_ARRAY_JOB_ID: '77', SLURM_ARRAY_TASK_ID: task, SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '2', SLURM_CPUS_PER_TASK: '1' },
    })
    assert.is(r.status, 0, r.stdout + r.stderr)
  }
  assert.equal(JSON.parse(readFileSync(join(out, 'shard-2', 'shard.json'), 'utf8')).shard, { index: 1, count: 2 })
  const args = readFileSync(submitted, 'utf8').trimEnd().split('\n')
  assert.ok(args.includes('--dependency=afterany:77'), args.join(' '))
  const merge = spawnSync('sh', ['-c', args[args.indexOf('--wrap') + 1]], { encoding: 'utf8', timeout: 120_000 })
  assert.is(merge.status, 0, merge.stdout + merge.stderr)
  assert.is(rowsOf(join(out, 'merged')).length, 3)
  const bare = spawnSync('bash', [script, TINY, out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '' } })
  assert.is(bare.status, 2)
  assert.match(bare.stderr, /submit this script as an array job/)
})

Deploy('the Dockerfile builds on Node 20 from the lock file and runs the sim command line', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  const from = /^FROM (\S+)$/m.exec(text)?.[1] ?? ''
  assert.match(from, /^node:20(-|$)/)
  assert.match(text, /^COPY package\.json package-lock\.json \.\/$/m)
  assert.match(text, /^RUN npm ci\b/m)
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(text)?.[1] ?? '[]') as string[]
  assert.equal(entrypoint.slice(0, 3), ['node', '--import', 'tsx'])
  assert.ok(existsSync(join(ROOT, entrypoint[3])), entrypoint[3])
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  assert.ok('tsx' in pkg.dependencies, 'tsx is a runtime dependency, so npm ci --omit=dev keeps it')
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
  for (const path of ['node_modules', 'results', '.git']) assert.ok(ignored.includes(path), `.dockerignore leaves out ${path}`)
})

Deploy.after(() => rmSync(tmp, { recursive: true, force: true }))

Deploy.run()
