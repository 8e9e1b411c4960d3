// What both comparison pages draw: latency CDFs overlaid, a difference against a baseline, and
// each entry's overlay as a small graph, side by side (small multiples, one scale per picture).
import { api, fmt, h, runApi, runUrl } from './common.js'

export const colorOf = (i) => window.VizCharts.PALETTE[i % window.VizCharts.PALETTE.length]

/** entries: [{ name, color, samples, points: [[ms, share]] }]: the whole CDF and its upper half. */
export function cdfCharts(container, entries, what) {
  // The axis ends at the slowest entry's 99.5th percentile: a few stragglers (a joiner's first
  // message after seconds) would otherwise squeeze every curve into the left edge.
  const atTail = (points) => (points.find((p) => p[1] >= 0.995) ?? points[points.length - 1])?.[0] ?? 0
  const xMax = Math.max(1, ...entries.map((e) => atTail(e.points)))
  const cut = (points) => points.filter((p) => p[0] <= xMax)
  const series = entries.map((e) => ({ name: `${e.name} (n=${fmt(e.samples)})`, color: e.color, points: cut(e.points), curve: window.d3.curveStepAfter }))
  const samples = entries.reduce((a, e) => a + e.samples, 0)
  const common = {
    xDomain: [0, xMax], xLabel: 'first-receipt latency (ms)', xName: 'latency (ms)', yLabel: 'share of first receipts (%)',
    yFormat: (v) => `${Math.round(v * 100)}`, tipY: (v) => `${(v * 100).toFixed(1)} %`, emptyText: 'no latency samples',
  }
  window.VizCharts.lineChart(container, {
    ...common, id: 'latency-cdf', title: `Latency CDF by ${what}`, yDomain: [0, 1], series,
    subtitle: `${fmt(samples)} first receipts in all (n: each ${what}'s); to the slowest ${what}'s 99.5th percentile`,
  })
  // The same curves from the median up, where designs differ most.
  window.VizCharts.lineChart(container, {
    ...common, id: 'latency-cdf-tail', title: 'Latency CDF, upper half', subtitle: 'the same curves from the median up',
    yDomain: [0.5, 1], series: series.map((s) => ({ ...s, points: s.points.filter((p) => p[1] >= 0.5) })),
  })
}

/** `value` against `base`: the difference and, when the base is not zero, the relative one. */
export function difference(value, base, decimals) {
  if (value == null || base == null) return null
  const d = value - base
  const num = (v) => v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals, signDisplay: 'exceptZero' })
  const rel = base !== 0 ? ` (${(d / Math.abs(base) * 100).toLocaleString('en-US', { maximumFractionDigits: 1, signDisplay: 'exceptZero' })} %)` : ''
  return `${num(d)}${rel}`
}

/**
 * entries: [{ name, color, runKey }]: each run's first stream part laid out in Node
 * (/api/runs/<key>/layout, as the static report draws it), small and next to each other.
 */
export async function overlayThumbs(container, entries) {
  container.replaceChildren()
  const width = entries.length > 3 ? 300 : entries.length === 3 ? 400 : 440, height = Math.round(width * 0.68)
  await Promise.all(entries.map(async (e, i) => {
    const slot = h('div', { class: 'thumb', 'data-run': e.runKey ?? '' })
    container.append(slot)
    if (!e.runKey) { slot.append(h('p', { class: 'muted' }, `${e.name}: no run folder`)); return }
    try {
      const { layout } = await api(runApi(e.runKey, 'layout'))
      if (!layout) { slot.append(h('p', { class: 'muted' }, `${e.name}: no overlay small enough to draw`)); return }
      const n = window.VizCharts.staticGraph(slot, layout, { width, height, title: e.name })
      slot.querySelector('figcaption').prepend(h('i', { class: 'swatch', style: `background:${e.color ?? colorOf(i)}` }))
      slot.querySelector('figure').append(h('a', { href: runUrl(e.runKey), class: 'note' }, 'open the run'))
      slot.dataset.nodes = String(n)
    } catch (err) {
      slot.append(h('p', { class: 'muted' }, `${e.name}: ${err.message}`))
    }
  }))
}
