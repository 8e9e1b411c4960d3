// compare.md: a comparison as a Markdown table for people, one row per design, every cell the mean
// over seeds with its confidence interval, and a legend that defines each column.

import { COMPARE_METRICS, type CompareMetric } from './compare-columns.ts'
import type { CompareJson } from './compare-result.ts'
import type { MeanInterval } from './compare-stats.ts'

/** `298.3 ± 2.1`, `298.3 (n=1)`, `-` for no value; `(n=k)` also when some seeds lacked the metric. */
export function formatInterval(stat: MeanInterval, decimals: number, seeds: number): string {
  if (stat.n === 0 || !Number.isFinite(stat.mean)) return '-'
  const value = formatNumber(stat.mean, decimals)
  if (stat.n === 1) return `${value} (n=1)`
  const cell = Number.isFinite(stat.halfWidth) ? `${value} ± ${formatNumber(stat.halfWidth, decimals)}` : value
  return stat.n < seeds ? `${cell} (n=${stat.n})` : cell
}

function formatNumber(v: number, decimals: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })
}

const title = (m: CompareMetric) => (m.unit === '' ? m.label : `${m.label} (${m.unit})`)

/** `seeds 1 to 5 (5 per design)`, `seed 7 (1 per design)`. */
export function describeSeeds(seeds: readonly number[]): string {
  if (seeds.length === 1) return `seed ${seeds[0]} (1 per design)`
  return `seeds ${seeds[0]} to ${seeds[seeds.length - 1]} (${seeds.length} per design)`
}

export function compareMarkdown(c: CompareJson): string {
  const seeds = c.seeds.length
  const runs = c.designs.reduce((a, d) => a + d.runs.length, 0)
  const failed = c.designs.reduce((a, d) => a + d.failures.length, 0)
  const planned = c.designs.length * seeds
  const status = c.complete ? `all ${planned} runs finished${failed > 0 ? `, ${failed} of them failed (see below)` : ''}`
    : `incomplete: ${runs + failed} of ${planned} runs finished so far`
  const lines = [
    `# Overlay designs compared: ${c.scenario}`,
    '',
    `Scenario \`${c.scenario}\`, ${describeSeeds(c.seeds)}, version ${c.version}, commit ${c.commit}; ${status}.`,
    `Every design runs the scenario's nodes, latency, churn and workload; only the fields listed under "Designs" differ.`,
    `Each cell is the mean over seeds ± the half-width of its ${Math.round(c.confidence * 100)}% confidence interval (Student t, n - 1 degrees of freedom);`
      + ' with one seed, the value and n=1; `(n=k)` where only k seeds had the metric; `-` where none had it.',
    '',
    `| design | protocol | builder | runs | ${COMPARE_METRICS.map(title).join(' | ')} |`,
    `| --- | --- | --- | ---: | ${COMPARE_METRICS.map(() => '---:').join(' | ')} |`,
    ...c.designs.map((d) => `| ${d.design} | ${d.protocol} | ${d.builder} | ${d.runs.length} | `
      + `${COMPARE_METRICS.map((m) => formatInterval(d.stats[m.key], m.decimals, seeds)).join(' | ')} |`),
    '',
    'Columns (the summary.json field and unit in parentheses):',
    '',
    '- **runs**: seeds of the design that finished; the statistics are over them.',
    ...COMPARE_METRICS.map((m) => `- **${m.label}** (\`${m.key}\`${m.unit === '' ? '' : `, ${m.unit}`}): ${m.definition}.`),
    '',
    'Designs (fields set in the scenario before it is resolved, so era defaults follow the protocol):',
    '',
    ...c.designs.map((d) => `- **${d.design}**: ${d.description}; ${Object.entries(d.overrides).map(([k, v]) => `\`${k}: ${String(v)}\``).join(', ')}.`),
  ]
  const failures = c.designs.flatMap((d) => d.failures.map((f) => `- ${d.design}, seed ${f.seed}: ${f.error}`))
  if (failures.length > 0) lines.push('', 'Failed runs (no row in compare.csv, not in the statistics):', '', ...failures)
  return `${lines.join('\n')}\n`
}
