// Sharding a sweep over machines: shard i of n (from 0) runs the points k (from 0, in the sweep's
// point order) with k mod n = i, every seed of each, and records in shard.json what it ran, so
// that merge can put the shards back together as the sweep run in one go would have written it.
// Array jobs name their shard in the environment: Slurm's SLURM_ARRAY_TASK_ID (counted from the
// array's first index, in its steps) and a Kubernetes Indexed Job's JOB_COMPLETION_INDEX (from 0).

import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../input-error.ts'
import { toResolvedYaml } from '../scenario/resolved-yaml.ts'
import type { Scenario } from '../scenario/types.ts'
import type { BudgetJudgement } from './budget-check.ts'
import { runMetadata } from './run-metadata.ts'

export interface Shard {
  /** From 0. */
  index: number
  count: number
}

export const SHARD_FILE = 'shard.json'
/** Version of shard.json's shape. */
export const SHARD_FORMAT = 1

export interface ShardRecord {
  format: number
  scenario: string
  /** sha256 of the resolved scenario (its sweep and seeds included): shards of one sweep ran the same thing. */
  scenarioSha256: string
  seed: number
  /** The seeds of every point; null for an unreplicated sweep. */
  seeds: number[] | null
  budgetsOn: BudgetJudgement | null
  /** Points in the whole sweep. */
  points: number
  shard: Shard
  /** The points this shard runs, from 1, as the point-<k> folders are named. */
  shardPoints: number[]
  /** false until every point of the shard is in its sweep.csv. */
  complete: boolean
  version: string
  commit: string
}

const SHARD_EXPECTED = 'i/n with n >= 1 and 0 <= i < n (shards count from 0)'

/** `2/4` -> shard 2 of 4. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  const shard = m === null ? undefined : { index: Number(m[1]), count: Number(m[2]) }
  if (shard === undefined || shard.count < 1 || shard.index >= shard.count) throw new InputError(`${flag}: got "${text}", expected ${SHARD_EXPECTED}`)
  return shard
}

/** The shard an array job's environment names, and where it came from; undefined outside one. */
export function shardFromEnvironment(env: NodeJS.ProcessEnv = process.env): { shard: Shard; from: string } | undefined {
  const integer = (name: string, fallback?: number): number => {
    const text = env[name]
    if (text === undefined && fallback !== undefined) return fallback
    if (text === undefined || !/^\d+$/.test(text.trim())) throw new InputError(`environment ${name}: got ${text === undefined ? 'nothing' : `"${text}"`}, expected an integer >= 0 (or pass --shard i/n)`)
    return Number(text)
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = integer('SLURM_ARRAY_TASK_ID')
    const min = integer('SLURM_ARRAY_TASK_MIN', 0)
    const step = Math.max(1, integer('SLURM_ARRAY_TASK_STEP', 1))
    const count = integer('SLURM_ARRAY_TASK_COUNT')
    const from = `SLURM_ARRAY_TASK_ID=${id}, SLURM_ARRAY_TASK_MIN=${min}, SLURM_ARRAY_TASK_STEP=${step}, SLURM_ARRAY_TASK_COUNT=${count}`
    const index = (id - min) / step
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new InputError(`environment ${from}: expected an array of evenly spaced task ids (--array=0-3, 1-4 or 0-6:2), each task one shard; or pass --shard i/n`)
    }
    return { shard: { index, count }, from }
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const index = integer('JOB_COMPLETION_INDEX')
    if (env.JOB_COMPLETIONS === undefined) {
      throw new InputError(`environment JOB_COMPLETION_INDEX=${index} (a Kubernetes Indexed Job) without JOB_COMPLETIONS: expected JOB_COMPLETIONS set to the Job's completions, `
        + 'as deploy/k8s/sweep-job.yaml sets it (Kubernetes does not tell a pod the count); or pass --shard i/n')
    }
    const count = integer('JOB_COMPLETIONS')
    const from = `JOB_COMPLETION_INDEX=${index}, JOB_COMPLETIONS=${count}`
    if (count < 1 || index >= count) throw new InputError(`environment ${from}: expected ${SHARD_EXPECTED}`)
    return { shard: { index, count }, from }
  }
  return undefined
}

/** The points (from 0) of a sweep of `points` that `shard` runs. */
export function shardPointIndices(points: number, shard: Shard | undefined): number[] {
  const all = Array.from({ length: points }, (_, k) => k)
  return shard === undefined ? all : all.filter((k) => k % shard.count === shard.index)
}

export function shardRecord(scenario: Scenario, seeds: readonly number[] | undefined, budgetsOn: BudgetJudgement | undefined,
  points: number, shard: Shard, indices: readonly number[]): ShardRecord {
  const { version, commit } = runMetadata()
  const resolved = toResolvedYaml({ ...scenario, seeds: seeds === undefined ? undefined : [...seeds] })
  return {
    format: SHARD_FORMAT,
    scenario: scenario.name,
    scenarioSha256: createHash('sha256').update(resolved).digest('hex'),
    seed: scenario.seed,
    seeds: seeds === undefined ? null : [...seeds],
    budgetsOn: seeds === undefined ? null : (budgetsOn ?? null),
    points,
    shard,
    shardPoints: indices.map((k) => k + 1),
    complete: false,
    version,
    commit,
  }
}

export function writeShardRecord(dir: string, record: ShardRecord): void {
  writeFileSync(join(dir, SHARD_FILE), `${JSON.stringify(record, null, 2)}\n`)
}

/** Throws an InputError naming the folder when it holds no shard.json a sweep --shard wrote. */
export function readShardRecord(dir: string): ShardRecord {
  const file = join(dir, SHARD_FILE)
  let record: Partial<ShardRecord>
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as Partial<ShardRecord>
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : error instanceof Error ? error.message : String(error)
    throw new InputError(`${file}: cannot be read (${reason}); expected the folder a \`sim sweep --shard i/n\` wrote`)
  }
  if (record.format !== SHARD_FORMAT || typeof record.shard?.index !== 'number' || !Array.isArray(record.shardPoints)) {
    throw new InputError(`${file}: format: got ${JSON.stringify(record.format)}, expected a shard record of format ${SHARD_FORMAT}, as this version's sweep --shard writes`)
  }
  return record as ShardRecord
}
