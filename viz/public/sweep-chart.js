// One sweep metric against one swept parameter, a line per combination of the other parameters,
// with confidence intervals for replicated sweeps. The sweep page and the static report (which
// inlines this file with names.js) both draw with it.
import { fieldName, metricName, withUnit } from './names.js'

const numeric = (v) => v !== '' && Number.isFinite(Number(v))

/** Metric base names; a replicated sweep has `<m>.mean`, `.sd`, `.ciLow`, `.ciHigh` per metric. */
export function metricsOf(s) {
  const replicated = s.metrics.some((m) => m.endsWith('.mean'))
  const names = replicated ? s.metrics.filter((m) => m.endsWith('.mean')).map((m) => m.slice(0, -5)) : s.metrics.filter((m) => m !== 'budgetsPassed')
  return { replicated, names }
}

/** Draws into `container`; `s` is the /api/sweeps shape (viz/data/runs.ts SweepJson). */
export function sweepChart(container, s, metric, xp, replicated) {
  const others = s.parameters.filter((p) => p !== xp)
  const groups = new Map()
  const value = (pt, stat) => pt.values[replicated ? `${metric}.${stat}` : metric]
  for (const pt of s.points) {
    const label = others.length ? others.map((o) => `${fieldName(o).label} ${pt.params[o]}`).join(', ') : metricName(metric).label
    if (!groups.has(label)) groups.set(label, [])
    const xv = numeric(pt.params[xp]) ? Number(pt.params[xp]) : null
    const y = value(pt, 'mean')
    if (xv != null && y != null) groups.get(label).push({ x: xv, y, lo: replicated ? value(pt, 'ciLow') : null, hi: replicated ? value(pt, 'ciHigh') : null })
  }
  const series = [...groups].map(([name, pts]) => {
    pts.sort((a, b) => a.x - b.x)
    return { name, points: pts.map((p) => [p.x, p.y]), errors: replicated ? pts.filter((p) => p.lo != null && p.hi != null).map((p) => [p.x, p.lo, p.hi]) : null, dots: true }
  })
  const m = metricName(metric), x = fieldName(xp)
  const seeds = s.meta.seeds ? s.meta.seeds.split(',').length : s.points[0]?.values.runs ?? null
  return window.VizCharts.lineChart(container, {
    id: `sweep-${metric}`, title: `${m.label} against ${x.label}`,
    subtitle: `${series.length} line${series.length === 1 ? '' : 's'}${others.length ? `, one per ${others.map((o) => fieldName(o).label).join(' × ')}` : ''}`,
    xLabel: withUnit(x), xName: x.label, yLabel: withUnit(m), series,
    yFormat: m.share ? (v) => `${window.d3.format('.3~r')(v * 100)}` : undefined,
    tipY: m.share ? (v) => `${(v * 100).toFixed(2)} %` : undefined,
    note: replicated ? `Mean of ${seeds ?? 'several'} seeds per point; bars and bands: ${s.meta.confidence ? `${Number(s.meta.confidence) * 100} %` : 'the'} confidence interval.` : 'One seed per point: no error bars (sweep with --seeds for confidence intervals).',
    emptyText: `${x.label} is not numeric`,
  })
}
