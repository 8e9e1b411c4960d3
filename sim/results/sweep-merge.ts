// Puts the shards of a sweep back together: one folder with sweep.csv (and sweep-runs.csv), rows
// in point order, and every point's folder, as the sweep run in one go writes them. The shards
// must be of the same scenario, seeds, version and commit, every one of them there once and
// finished; anything else is refused before a file is written.

import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../input-error.ts'
import { readShardRecord, SHARD_FILE, type ShardRecord } from './sweep-shard.ts'

export const SWEEP_CSV = 'sweep.csv'
export const SWEEP_RUNS_CSV = 'sweep-runs.csv'

/** What every shard of one sweep has in common. */
const SAME: readonly (keyof ShardRecord)[] = ['scenario', 'scenarioSha256', 'seed', 'seeds', 'budgetsOn', 'points', 'version', 'commit']

export interface MergeOutcome {
  record: ShardRecord
  /** The merged folder. */
  dir: string
  /** Budgets broken over every point, as the rows' budgetsPassed say. */
  budgetsBroken: number
}

interface ShardFiles {
  dir: string
  record: ShardRecord
  /** File -> its preamble and header, and its rows. */
  csv: Map<string, { head: string; rows: string[] }>
}

/** Checks every shard, then makes the folder `out` names (called once all is well) and writes into it. */
export function mergeShards(dirs: readonly string[], out: (record: ShardRecord) => string): MergeOutcome {
  if (dirs.length === 0) throw new InputError('merge: got no folder, expected the folders of every shard of one sweep')
  const shards = dirs.map(readShard)
  const first = shards[0]
  for (const s of shards.slice(1)) {
    for (const key of SAME) {
      if (JSON.stringify(s.record[key]) !== JSON.stringify(first.record[key])) {
        throw new InputError(`${join(s.dir, SHARD_FILE)}: ${key}: got ${JSON.stringify(s.record[key])}, expected ${JSON.stringify(first.record[key])} as in ${join(first.dir, SHARD_FILE)}; `
          + 'the shards of one sweep come from the same scenario, seeds, version and commit')
      }
    }
    if (s.record.shard.count !== first.record.shard.count) {
      throw new InputError(`${join(s.dir, SHARD_FILE)}: shard: got ${s.record.shard.index}/${s.record.shard.count}, expected one of ${first.record.shard.count} shards as in ${join(first.dir, SHARD_FILE)}`)
    }
  }
  const count = first.record.shard.count
  const byIndex = new Map<number, ShardFiles>()
  for (const s of shards) {
    const twin = byIndex.get(s.record.shard.index)
    if (twin !== undefined) throw new InputError(`merge: shard ${s.record.shard.index}/${count} given twice: ${twin.dir} and ${s.dir}`)
    byIndex.set(s.record.shard.index, s)
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i))
  if (missing.length > 0) {
    throw new InputError(`merge: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} missing (got ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')}); `
      + `expected the folders of all ${count} shards, 0 to ${count - 1}`)
  }
  const files = first.record.seeds === null ? [SWEEP_CSV] : [SWEEP_CSV, SWEEP_RUNS_CSV]
  const perPoint = new Map<string, number>([[SWEEP_CSV, 1], [SWEEP_RUNS_CSV, first.record.seeds?.length ?? 0]])
  for (const file of files) {
    for (const s of shards) {
      if (s.csv.get(file)!.head !== first.csv.get(file)!.head) {
        throw new InputError(`${join(s.dir, file)}: its preamble and header differ from ${join(first.dir, file)}'s; expected shards of one sweep`)
      }
    }
  }
  // Rows back in point order: the shards interleave (point k is in shard k mod n).
  const rows = new Map<string, string[]>(files.map((f) => [f, []]))
  for (let k = 1; k <= first.record.points; k++) {
    const s = byIndex.get((k - 1) % count)!
    const at = s.record.shardPoints.indexOf(k)
    for (const file of files) {
      const n = perPoint.get(file)!
      rows.get(file)!.push(...s.csv.get(file)!.rows.slice(at * n, (at + 1) * n))
    }
  }
  const dir = out(first.record)
  for (const s of shards) for (const k of s.record.shardPoints) cpSync(join(s.dir, `point-${k}`), join(dir, `point-${k}`), { recursive: true })
  for (const file of files) writeFileSync(join(dir, file), first.csv.get(file)!.head + rows.get(file)!.join(''))
  let budgetsBroken = 0
  for (const row of rows.get(SWEEP_CSV)!) {
    const [held, total] = row.trimEnd().split(',').at(-1)!.split('/').map(Number)
    budgetsBroken += total - held
  }
  return { record: first.record, dir, budgetsBroken }
}

function readShard(dir: string): ShardFiles {
  const record = readShardRecord(dir)
  const where = `${dir} (shard ${record.shard.index}/${record.shard.count})`
  if (!record.complete) throw new InputError(`${where}: did not finish (shard.json: complete false); expected a finished shard: run it again into an empty folder`)
  const csv = new Map<string, { head: string; rows: string[] }>()
  const files = record.seeds === null ? [[SWEEP_CSV, 1]] as const : [[SWEEP_CSV, 1], [SWEEP_RUNS_CSV, record.seeds.length]] as const
  for (const [file, perPoint] of files) {
    const path = join(dir, file)
    if (!existsSync(path)) throw new InputError(`${where}: ${file} is missing; expected the files sweep --shard writes`)
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => `${l}\n`)
    const headerAt = lines.findIndex((l) => !l.startsWith('#'))
    const rows = lines.slice(headerAt + 1)
    if (headerAt < 0 || rows.length !== record.shardPoints.length * perPoint) {
      throw new InputError(`${path}: got ${Math.max(0, rows.length)} rows, expected ${record.shardPoints.length * perPoint} (points ${record.shardPoints.join(', ')}${perPoint > 1 ? `, ${perPoint} seeds each` : ''})`)
    }
    csv.set(file, { head: lines.slice(0, headerAt + 1).join(''), rows })
  }
  for (const k of record.shardPoints) {
    if (!existsSync(join(dir, `point-${k}`))) throw new InputError(`${where}: point-${k} is missing; expected a folder for each of its points`)
  }
  return { dir, record, csv }
}
