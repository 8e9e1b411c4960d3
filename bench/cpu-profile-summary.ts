// `npx tsx bench/cpu-profile-summary.ts DIR... [--top N]`: the self time of every .cpuprofile
// under the folders given, by file and by function (live/scenario/cpu-profile-totals.ts).

import { parseArgs } from 'node:util'
import { formatProfileTotals, summarizeProfiles } from '../live/scenario/cpu-profile-totals.ts'

function main(): number {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true })
  const top = Number(values.top)
  if (positionals.length === 0 || !(Number.isInteger(top) && top > 0)) {
    console.error('usage: npx tsx bench/cpu-profile-summary.ts DIR... [--top N]   (folders holding .cpuprofile files)')
    return 2
  }
  console.log(formatProfileTotals(summarizeProfiles(positionals), top))
  return 0
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main()
