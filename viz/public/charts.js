// SVG charts with d3. A classic script (not a module) exposing window.VizCharts, because the static
// report inlines it and file:// pages cannot import modules. Every chart labels both axes with units.
(function (global) {
  'use strict'
  const d3 = global.d3
  const PALETTE = ['#2563eb', '#f59e0b', '#dc2626', '#059669', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#ea580c', '#4b5563']
  const W = 520, H = 270, M = { top: 14, right: 18, bottom: 46, left: 62 }

  const fmtNum = (v) => {
    if (v == null || !Number.isFinite(v)) return '–'
    const a = Math.abs(v)
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return d3.format('.3s')(v)
    if (Number.isInteger(v)) return d3.format(',')(v)
    return d3.format(a >= 100 ? ',.1f' : a >= 1 ? ',.2f' : '.3f')(v)
  }

  const fmtMs = (v) => (v == null || !Number.isFinite(v) ? '–' : `${fmtNum(v)} ms`)
  const fmtPct = (v) => (v == null || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(v >= 0.9995 || v === 0 ? 0 : 2)} %`)

  // 16 colours at least 28 CIE76 units apart from each other and 50 from the dark graph background
  // (the geo model has 16 regions); after 16 they repeat.
  const REGION_COLORS = [
    '#e6194b', '#3cb44b', '#ffe119', '#4f7cff', '#f58231', '#42d4f4', '#f032e6', '#bfef45',
    '#fabed4', '#469990', '#c9a0ff', '#9a6324', '#fffac8', '#aaffc3', '#808000', '#a9a9a9',
  ]
  /** Node roles from topology.json, most telling first: a node shows the first one it has. */
  const ROLE_COLORS = [
    ['adversary', '#ff3b30'], ['publisher', '#facc15'], ['storage', '#c084fc'], ['entry-point', '#34d399'],
    ['tracker', '#fb923c'], ['subscriber', '#60a5fa'], ['relay only', '#94a3b8'],
  ]
  function roleOf(d) {
    if (d.adversary) return 'adversary'
    for (const [r] of ROLE_COLORS) if (d.roles && d.roles.includes(r)) return r
    return 'relay only'
  }

  /** summary.messageLayer (README, "Message layer metrics") as label/value rows: run page and report. */
  function messageLayerRows(m) {
    const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0)
    const kx = m.keyExchange || {}, app = m.app || {}, lat = app.latencyMs || {}
    return [
      ['crypto / encryption / validation', `${m.crypto} / ${m.encryption ? 'on' : 'off'} / ${m.validation}`],
      ['app delivery ratio', `${fmtPct(app.deliveryRatio)} (${fmtNum(app.delivered)} of ${fmtNum(app.expected)})`],
      ['app latency p50 / p99', `${fmtMs(lat.p50)} / ${fmtMs(lat.p99)} (${fmtNum(lat.count)} samples)`],
      ['incomplete subscribers', fmtNum(app.incompleteSubscribers)],
      ['forged / unpermitted delivered to apps', `${fmtNum(m.forgedDeliveredToApps)} / ${fmtNum(m.unpermittedDeliveredToApps)}`],
      ['revoked readers / reads after rekey', `${fmtNum(m.revokedSubscribers)} / ${fmtNum(m.revokedReadsAfterRekey)}`],
      ['rejected at relays / subscribers', `${fmtNum(sum(m.rejected && m.rejected.atRelays))} / ${fmtNum(m.rejected && m.rejected.atSubscribers)}`],
      ['wasted bandwidth', fmtPct(m.wastedShare)],
      ['CPU per node, mean / max', `${fmtMs(m.cpuMsPerNode && m.cpuMsPerNode.mean)} / ${fmtMs(m.cpuMsPerNode && m.cpuMsPerNode.max)}`],
      ['key requests / answered / refused / timeouts', `${fmtNum(kx.requestsSent)} / ${fmtNum(kx.answered)} / ${fmtNum(kx.refused)} / ${fmtNum(kx.timeouts)}`],
      ['gaps detected / filled / skipped', m.ordering ? `${fmtNum(m.ordering.gapsDetected)} / ${fmtNum(m.ordering.gapsFilled)} / ${fmtNum(m.ordering.gapsSkipped)}` : '–'],
    ]
  }

  /**
   * A laid-out overlay (viz/data/static-layout.ts) on a canvas, for the static report: links faint,
   * nodes by role when the run has roles, else by region, with a legend. Returns the nodes drawn.
   */
  function staticGraph(container, g, opts = {}) {
    const fig = document.createElement('figure')
    fig.className = 'chart static-graph'
    const cap = document.createElement('figcaption')
    cap.textContent = opts.title || `Overlay · ${g.streamPart}`
    const sub = document.createElement('span')
    sub.className = 'sub'
    sub.textContent = `${fmtNum(g.ids.length)} nodes · ${fmtNum(g.edges.length / 2)} links${g.note ? ' · ' + g.note : ''}`
    cap.appendChild(sub)
    fig.appendChild(cap)
    const W = opts.width || 760, H = opts.height || 520, pad = opts.width < 500 ? 8 : 16
    const canvas = document.createElement('canvas')
    const dpr = global.devicePixelRatio || 1
    canvas.width = W * dpr; canvas.height = H * dpr
    canvas.style.width = '100%'; canvas.style.maxWidth = `${W}px`
    canvas.setAttribute('role', 'img')
    fig.appendChild(canvas)
    container.appendChild(fig)
    const byRole = !!g.roles
    const cat = byRole ? g.roles.map(roleOf) : g.region.map((r) => (r < 0 ? 'no region' : g.regions[r]))
    const colorOf = new Map(byRole ? ROLE_COLORS : [...g.regions.map((r, i) => [r, REGION_COLORS[i % REGION_COLORS.length]]), ['no region', '#7aa2f7']])
    const [x0, x1] = d3.extent(g.x), [y0, y1] = d3.extent(g.y)
    const k = Math.min((W - 2 * pad) / Math.max(1, x1 - x0), (H - 2 * pad) / Math.max(1, y1 - y0))
    const px = (i) => pad + (g.x[i] - x0) * k + (W - 2 * pad - (x1 - x0) * k) / 2, py = (i) => pad + (g.y[i] - y0) * k + (H - 2 * pad - (y1 - y0) * k) / 2
    const c = canvas.getContext('2d')
    c.scale(dpr, dpr)
    c.fillStyle = '#0f1623'; c.fillRect(0, 0, W, H)
    c.strokeStyle = '#94a3b8'; c.globalAlpha = g.ids.length > 1000 ? 0.15 : 0.3; c.lineWidth = 0.7
    c.beginPath()
    for (let e = 0; e < g.edges.length; e += 2) { c.moveTo(px(g.edges[e]), py(g.edges[e])); c.lineTo(px(g.edges[e + 1]), py(g.edges[e + 1])) }
    c.stroke()
    c.globalAlpha = 1
    const r = g.ids.length > 2000 ? 1.8 : g.ids.length > 400 ? 2.6 : 4
    for (const [name, color] of colorOf) {
      c.beginPath()
      cat.forEach((x, i) => { if (x === name) { c.moveTo(px(i) + r, py(i)); c.arc(px(i), py(i), r, 0, Math.PI * 2) } })
      c.fillStyle = color || '#7aa2f7'; c.fill()
    }
    const present = [...colorOf].filter(([name]) => cat.includes(name))
    const lg = document.createElement('div')
    lg.className = 'chart-legend'
    for (const [name, color] of present) {
      const it = document.createElement('span')
      const sw = document.createElement('i')
      sw.style.background = color; sw.style.height = '8px'; sw.style.width = '8px'; sw.style.borderRadius = '50%'
      it.append(sw, `${name} (${cat.filter((x) => x === name).length})`)
      lg.appendChild(it)
    }
    fig.appendChild(lg)
    canvas.setAttribute('aria-label', `overlay graph of ${g.ids.length} nodes coloured by ${byRole ? 'role' : 'region'}`)
    canvas.dataset.nodeCount = String(g.ids.length)
    return g.ids.length
  }

  /** Saves `content` (a string or Blob) as a file through a temporary link. */
  function download(name, content, type) {
    const blob = content instanceof Blob ? content : new Blob([content], { type })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = name
    document.body.appendChild(a)
    a.click()
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove() }, 1000)
  }

  const csvCell = (v) => { const t = v == null ? '' : String(v); return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t }
  const toCsv = (rows) => rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n'

  /** A standalone SVG file of a chart: the page's styles for its parts inlined. */
  function svgFile(svg) {
    const copy = svg.cloneNode(true)
    copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg')
    const style = document.createElementNS('http://www.w3.org/2000/svg', 'style')
    style.textContent = 'text{font:11px system-ui,sans-serif;fill:#475467}.axis-label{font-weight:600;fill:#1c2433}.grid line{stroke:#e3e8f0}.grid path,.axis path{stroke:#98a2b3}.tip{display:none}'
    copy.insertBefore(style, copy.firstChild)
    copy.setAttribute('style', 'background:#fff')
    return new XMLSerializer().serializeToString(copy)
  }

  /** PNG at twice the SVG's size, drawn through an <img> of the SVG file. */
  function pngOfSvg(svg, name) {
    const [, , w, h] = svg.getAttribute('viewBox').split(' ').map(Number)
    const img = new Image()
    img.onload = () => {
      const c = document.createElement('canvas')
      c.width = w * 2; c.height = h * 2
      const ctx = c.getContext('2d')
      ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, c.width, c.height)
      ctx.drawImage(img, 0, 0, c.width, c.height)
      c.toBlob((b) => download(name, b, 'image/png'), 'image/png')
    }
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svgFile(svg))
  }

  /** Export buttons for a chart: SVG, PNG, and CSV of the numbers behind it (also its text alternative). */
  function chartTools(fig, svg, id, csvRows) {
    const bar = document.createElement('div')
    bar.className = 'chart-tools'
    const btn = (label, title, fn) => {
      const b = document.createElement('button')
      b.type = 'button'; b.textContent = label; b.title = title; b.dataset.export = label.toLowerCase()
      b.onclick = fn
      bar.appendChild(b)
    }
    btn('SVG', 'Download this chart as SVG', () => download(`${id}.svg`, svgFile(svg.node()), 'image/svg+xml'))
    btn('PNG', 'Download this chart as PNG', () => pngOfSvg(svg.node(), `${id}.png`))
    if (csvRows) btn('CSV', 'Download the numbers behind this chart as CSV', () => download(`${id}.csv`, toCsv(csvRows()), 'text/csv'))
    if (csvRows) {
      // The chart's text alternative: the same numbers as a table, which the SVG names as its
      // description and a toggle shows to everyone.
      const wrap = numbersTable(csvRows(), fig.querySelector('figcaption')?.firstChild?.textContent || id)
      fig.appendChild(wrap)
      svg.attr('aria-describedby', wrap.id)
      btn('Table', 'Show the numbers behind this chart as a table', (ev) => {
        wrap.hidden = !wrap.hidden
        ev.currentTarget.setAttribute('aria-expanded', String(!wrap.hidden))
        ev.currentTarget.textContent = wrap.hidden ? 'Table' : 'Hide table'
      })
      const toggle = bar.lastChild
      toggle.setAttribute('aria-controls', wrap.id)
      toggle.setAttribute('aria-expanded', 'false')
    }
    fig.insertBefore(bar, fig.firstChild)
  }

  let tableSeq = 0
  /** rows[0] is the header; numbers are shown as the charts' axes show them. */
  function numbersTable(rows, title) {
    const wrap = document.createElement('div')
    wrap.className = 'chart-table'
    wrap.id = `chart-table-${++tableSeq}`
    wrap.hidden = true
    const t = document.createElement('table')
    t.className = 'data'
    const cap = document.createElement('caption')
    cap.textContent = `${title}: the numbers behind the chart (${rows.length - 1} rows)`
    t.appendChild(cap)
    const head = t.createTHead().insertRow()
    rows[0].forEach((c, k) => {
      const th = document.createElement('th')
      th.scope = 'col'; th.textContent = c
      if (typeof rows[1]?.[k] === 'number') th.className = 'num'
      head.appendChild(th)
    })
    const body = t.createTBody()
    for (const r of rows.slice(1)) {
      const tr = body.insertRow()
      for (const v of r) { const td = tr.insertCell(); td.textContent = typeof v === 'number' ? fmtNum(v) : v ?? '–'; if (typeof v === 'number') td.className = 'num' }
    }
    wrap.appendChild(t)
    return wrap
  }

  /** A CSV button before every data table under `root` that has none yet. */
  function addTableExports(root, name = 'table') {
    root.querySelectorAll('table.data, table.kv').forEach((t, k) => {
      if (t.dataset.exportable || t.closest('.chart-table')) return // a chart's table: the chart's CSV button has it
      t.dataset.exportable = 'true'
      const b = document.createElement('button')
      b.type = 'button'; b.className = 'table-export'; b.textContent = 'CSV'; b.dataset.export = 'csv'
      b.title = 'Download this table as CSV'
      b.onclick = () => download(`${t.id || t.closest('[id]')?.id || name}-${k + 1}.csv`, toCsv([...t.rows].map((r) => [...r.cells].map((c) => c.textContent.trim()))), 'text/csv')
      t.parentNode.insertBefore(b, t)
    })
  }

  /** A figure with a caption, an SVG frame, axes, grid and axis labels. */
  function frame(container, o) {
    const fig = document.createElement('figure')
    fig.className = 'chart'
    fig.dataset.chart = o.id
    const cap = document.createElement('figcaption')
    cap.textContent = o.title
    if (o.subtitle) {
      const s = document.createElement('span')
      s.className = 'sub'
      s.textContent = o.subtitle
      cap.appendChild(s)
    }
    fig.appendChild(cap)
    container.appendChild(fig)
    // The legend sits between caption and plot, never over the data.
    if (o.legend && o.legend.length > 1) {
      const lg = document.createElement('div')
      lg.className = 'chart-legend'
      o.legend.forEach((s, i) => {
        const it = document.createElement('span')
        const sw = document.createElement('i')
        sw.style.background = s.color || PALETTE[i % PALETTE.length]
        it.append(sw, s.name)
        lg.appendChild(it)
      })
      fig.appendChild(lg)
    }
    const svg = d3.select(fig).append('svg').attr('viewBox', `0 0 ${W} ${H}`).attr('role', 'img').attr('aria-label', o.title)
    const w = W - M.left - M.right, h = H - M.top - M.bottom
    const g = svg.append('g').attr('transform', `translate(${M.left},${M.top})`)
    const x = (o.xScale || d3.scaleLinear()).domain(o.xDomain).range([0, w])
    if (!o.xScale) x.nice()
    const y = d3.scaleLinear().domain(o.yDomain).range([h, 0])
    if (!o.yFixed) y.nice()
    fig.dataset.xDomain = x.domain().join(',')
    fig.dataset.yDomain = y.domain().join(',')
    g.append('g').attr('class', 'grid').call(d3.axisLeft(y).ticks(5).tickSize(-w).tickFormat(''))
    g.append('g').attr('class', 'axis x').attr('transform', `translate(0,${h})`).call(d3.axisBottom(x).ticks(7).tickFormat(o.xFormat || x.tickFormat(7)))
    g.append('g').attr('class', 'axis y').call(d3.axisLeft(y).ticks(5).tickFormat(o.yFormat || ((v) => (v === 0 ? '0' : Math.abs(v) < 1000 ? y.tickFormat(5)(v) : y.tickFormat(5, 's')(v)))))
    g.append('text').attr('class', 'axis-label').attr('x', w / 2).attr('y', h + 38).attr('text-anchor', 'middle').text(o.xLabel)
    g.append('text').attr('class', 'axis-label').attr('transform', `translate(${-48},${h / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(o.yLabel)
    if (o.events && o.events.length) markers(g, x, h, o.events)
    if (o.note) {
      const n = document.createElement('div')
      n.className = 'chart-note'
      n.textContent = o.note
      fig.appendChild(n)
    }
    return { fig, svg, g, x, y, w, h }
  }

  const MARKER_COLORS = { churn: '#dc2626', network: '#d97706', security: '#7c3aed' }

  /** The scenario's events on a time axis: a dashed line at each, a band while one lasts, a label. */
  function markers(g, x, h, events) {
    const [x0, x1] = x.domain()
    const mg = g.append('g').attr('class', 'markers')
    for (const e of events) {
      if (e.atS > x1 || (e.untilS ?? e.atS) < x0) continue
      const color = MARKER_COLORS[e.kind] || '#475467'
      const m = mg.append('g').attr('class', 'event-marker').attr('data-at', e.atS).attr('data-type', e.type)
      if (e.untilS != null) m.append('rect').attr('x', x(e.atS)).attr('width', Math.max(1, x(Math.min(e.untilS, x1)) - x(e.atS))).attr('y', 0).attr('height', h).attr('fill', color).attr('opacity', 0.08)
      m.append('line').attr('x1', x(e.atS)).attr('x2', x(e.atS)).attr('y1', 0).attr('y2', h).attr('stroke', color).attr('stroke-dasharray', '4,3').attr('stroke-width', 1.2)
      m.append('text').attr('x', x(e.atS) + 3).attr('y', 10).attr('fill', color).attr('font-size', 10).text(e.label)
      m.append('title').text(`${e.label} at ${fmtNum(e.atS)} s${e.untilS != null ? ` until ${fmtNum(e.untilS)} s` : ''}`)
    }
  }

  /** y domain of a share (0..1) fitted to the data, with a little room, never beyond 0..1. */
  function fitShare(values) {
    const v = values.filter((x) => x != null && Number.isFinite(x))
    if (!v.length) return [0, 1]
    const lo = d3.min(v), hi = d3.max(v)
    const pad = Math.max((hi - lo) * 0.08, 0.005)
    return [Math.max(0, lo - pad), Math.min(1, hi + pad)]
  }

  /** A hover rule that reads every series at the nearest x. */
  function hover(c, series, o) {
    const tip = c.g.append('g').attr('class', 'tip').style('display', 'none').style('pointer-events', 'none')
    const rule = tip.append('line').attr('y1', 0).attr('y2', c.h).attr('stroke', '#98a2b3').attr('stroke-dasharray', '3,3')
    const box = tip.append('g')
    const rect = box.append('rect')
    const text = box.append('text')
    c.g.append('rect').attr('width', c.w).attr('height', c.h).attr('fill', 'transparent')
      .on('mousemove', (ev) => {
        const [mx] = d3.pointer(ev)
        const xv = c.x.invert(mx)
        const lines = [`${o.xName || o.xLabel}: ${fmtNum(xv)}`]
        for (const s of series) {
          if (!s.points.length) continue
          const i = d3.bisector((p) => p[0]).center(s.points, xv)
          const p = s.points[i]
          if (p) lines.push(`${s.name}: ${o.tipY ? o.tipY(p[1]) : fmtNum(p[1])}`)
        }
        tip.style('display', null)
        rule.attr('x1', mx).attr('x2', mx)
        text.selectAll('tspan').data(lines).join('tspan').attr('x', 8).attr('dy', (_, i) => (i === 0 ? 15 : 14)).text((d) => d)
        const bb = text.node().getBBox()
        rect.attr('width', bb.width + 16).attr('height', bb.height + 10)
        const bx = mx + bb.width + 30 > c.w ? mx - bb.width - 26 : mx + 10
        box.attr('transform', `translate(${bx},4)`)
      })
      .on('mouseleave', () => tip.style('display', 'none'))
  }

  function emptyFigure(container, o, message) {
    const c = frame(container, { ...o, xDomain: [0, 1], yDomain: [0, 1], yFixed: true })
    c.g.append('text').attr('x', c.w / 2).attr('y', c.h / 2).attr('text-anchor', 'middle').attr('fill', '#98a2b3').text(message)
    c.fig.dataset.points = '0'
    chartTools(c.fig, c.svg, o.id, null)
    return c.fig
  }

  /**
   * series: [{ name, points: [[x, y], ...], color?, dots?, curve? }].
   * Options: id, title, subtitle, xLabel, yLabel, yDomain?, xFormat?, yFormat?, tipY?, note?
   */
  function lineChart(container, o) {
    const series = o.series.filter((s) => s.points && s.points.length)
    const all = series.flatMap((s) => s.points)
    if (!all.length) return emptyFigure(container, o, o.emptyText || 'no data')
    const xDomain = o.xDomain || d3.extent(all, (p) => p[0])
    if (xDomain[0] === xDomain[1]) xDomain[1] = xDomain[0] + 1
    const errs = series.flatMap((s) => s.errors || [])
    const yDomain = o.yDomain || [Math.min(0, d3.min(all, (p) => p[1]), d3.min(errs, (e) => e[1]) ?? 0), Math.max(d3.max(all, (p) => p[1]) || 1, d3.max(errs, (e) => e[2]) ?? 0)]
    const c = frame(container, { ...o, xDomain, yDomain, yFixed: !!o.yDomain, legend: series.map((s, i) => ({ name: s.name, color: s.color || PALETTE[i % PALETTE.length] })) })
    series.forEach((s, i) => {
      const color = s.color || PALETTE[i % PALETTE.length]
      const line = d3.line().defined((p) => p[1] != null && Number.isFinite(p[1])).x((p) => c.x(p[0])).y((p) => c.y(p[1])).curve(s.curve || d3.curveLinear)
      if (s.errors && s.errors.length) {
        // Confidence intervals: a faint band and a bar with caps at each point.
        const area = d3.area().x((p) => c.x(p[0])).y0((p) => c.y(p[1])).y1((p) => c.y(p[2]))
        c.g.append('path').datum(s.errors).attr('class', 'band').attr('fill', color).attr('opacity', 0.12).attr('d', area)
        const eb = c.g.append('g').attr('class', 'error-bars').attr('stroke', color).attr('stroke-width', 1.3)
        for (const [xv, lo, hi] of s.errors) {
          const px = c.x(xv)
          eb.append('line').attr('class', 'error-bar').attr('x1', px).attr('x2', px).attr('y1', c.y(lo)).attr('y2', c.y(hi))
          for (const v of [lo, hi]) eb.append('line').attr('x1', px - 4).attr('x2', px + 4).attr('y1', c.y(v)).attr('y2', c.y(v))
        }
      }
      c.g.append('path').datum(s.points).attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2).attr('stroke-linejoin', 'round').attr('d', line).attr('class', 'series')
      if (s.dots || (s.points.length <= 12 && s.curve !== d3.curveStepAfter)) {
        c.g.append('g').selectAll('circle').data(s.points.filter((p) => p[1] != null)).join('circle')
          .attr('cx', (p) => c.x(p[0])).attr('cy', (p) => c.y(p[1])).attr('r', 3.2).attr('fill', '#fff').attr('stroke', color).attr('stroke-width', 1.8)
      }
    })
    hover(c, series, o)
    c.fig.dataset.points = String(all.length)
    // The numbers behind the chart, one row per point of every series.
    chartTools(c.fig, c.svg, o.id, () => [['series', o.xName || o.xLabel, o.yLabel, ...(series.some((s) => s.errors) ? ['ci low', 'ci high'] : [])],
      ...series.flatMap((s) => s.points.map((p, i) => [s.name, p[0], p[1], ...(s.errors ? (s.errors[i] || []).slice(1) : [])]))])
    c.svg.attr('aria-label', `${o.title}: ${series.map((s) => `${s.name}, ${s.points.length} points`).join('; ')} (numbers: the table it describes)`)
    return c.fig
  }

  /** bins: [{ x0, x1, count }] drawn as adjacent bars. */
  function histogram(container, o) {
    const bins = (o.bins || []).filter((b) => Number.isFinite(b.x0) && Number.isFinite(b.x1))
    if (!bins.length) return emptyFigure(container, o, o.emptyText || 'no data')
    const c = frame(container, { ...o, xDomain: [bins[0].x0, bins[bins.length - 1].x1], yDomain: [0, d3.max(bins, (b) => b.count) || 1] })
    const color = o.color || PALETTE[0]
    c.g.append('g').selectAll('rect').data(bins).join('rect')
      .attr('x', (b) => c.x(b.x0) + 0.5).attr('width', (b) => Math.max(0.5, c.x(b.x1) - c.x(b.x0) - 1))
      .attr('y', (b) => c.y(b.count)).attr('height', (b) => c.h - c.y(b.count)).attr('fill', color).attr('rx', 1.5)
      .append('title').text((b) => `${fmtNum(b.x0)}–${fmtNum(b.x1)}: ${fmtNum(b.count)}`)
    c.fig.dataset.points = String(bins.length)
    chartTools(c.fig, c.svg, o.id, () => [['from', 'to', o.yLabel], ...bins.map((b) => [b.x0, b.x1, b.count])])
    return c.fig
  }

  /** The standard set of run charts from the /charts API shape (also inlined into the report). */
  function renderRunCharts(container, data) {
    container.innerHTML = ''
    const lat = data.latency
    const pct = (v) => `${d3.format('.1f')(v * 100)} %`
    // One time axis for every time chart of the run, so a moment lines up across them.
    const tsEnd = data.timeseries?.columns?.tEndS ?? []
    const dupEnd = data.duplicates.points.length ? data.duplicates.points[data.duplicates.points.length - 1].tS + (data.duplicates.windowS || 0) : 0
    const tEnd = Math.max(data.durationS || 0, tsEnd.length ? tsEnd[tsEnd.length - 1] || 0 : 0, dupEnd) || 1
    const time = { xDomain: [0, tEnd], events: data.events || [] }
    lineChart(container, {
      id: 'latency-cdf', title: 'Latency CDF', subtitle: lat.samples ? `${fmtNum(lat.samples)} first receipts` : '',
      xLabel: 'first-receipt latency (ms)', xName: 'latency (ms)', yLabel: 'share of first receipts (%)',
      yDomain: fitShare(lat.cdf.map((p) => p[1])), yFormat: (v) => `${d3.format('.3~r')(v * 100)}`, tipY: pct,
      series: [{ name: 'CDF', points: lat.cdf, dots: lat.source === 'summary', curve: d3.curveStepAfter }],
      note: lat.source === 'summary' ? 'Only the summary percentiles (p50, p90, p99, max): the run recorded no deliveries.' : '',
      emptyText: 'no latency samples',
    })
    histogram(container, {
      id: 'latency-histogram', title: 'Latency histogram', subtitle: lat.histogram.length ? `${lat.histogram.length} bins of ${fmtNum(lat.histogram[0].x1 - lat.histogram[0].x0)} ms` : '',
      xLabel: 'first-receipt latency (ms)', yLabel: 'first receipts (count)', bins: lat.histogram,
      emptyText: lat.source === 'summary' ? 'needs deliveries.csv (record.deliveries=true)' : 'no latency samples',
    })
    const dup = data.duplicates
    const win = dup.windowS ? `${fmtNum(dup.windowS)} s` : 'window'
    const dupSteps = (f) => {
      const p = dup.points.map((q) => [q.tS, f(q)])
      if (p.length) p.push([p[p.length - 1][0] + (dup.windowS || 1), p[p.length - 1][1]])
      return p
    }
    lineChart(container, {
      id: 'duplicates', title: 'Duplicates over time', subtitle: `per ${win} window`,
      ...time, xLabel: 'simulated time (s)', xName: 'time (s)', yLabel: `receipts per ${win} (count)`,
      series: [
        { name: 'duplicates', color: '#dc2626', points: dupSteps((q) => q.duplicates), curve: d3.curveStepAfter },
        { name: 'first receipts', color: '#2563eb', points: dupSteps((q) => q.firstReceipts), curve: d3.curveStepAfter },
      ],
      emptyText: 'no duplicate counts',
    })
    const ts = data.timeseries
    const col = (name) => (ts && ts.columns[name]) || []
    const t = col('tStartS')
    const wS = t.length ? (col('tEndS')[0] ?? 1) - (t[0] ?? 0) : 1
    const pts = (name) => t.map((x, i) => [x, col(name)[i]]).filter((p) => p[1] != null)
    // Step lines hold each window's value until the window ends.
    const steps = (name) => {
      const p = pts(name)
      const end = col('tEndS')[t.length - 1]
      if (p.length && end != null && p[p.length - 1][0] === t[t.length - 1]) p.push([end, p[p.length - 1][1]])
      return p
    }
    const mids = (name) => t.map((x, i) => [(x + (col('tEndS')[i] ?? x)) / 2, col(name)[i]]).filter((p) => p[1] != null)
    lineChart(container, {
      id: 'nodes-up', title: 'Nodes up', ...time, xLabel: 'simulated time (s)', xName: 'time (s)', yLabel: 'nodes up (count)',
      series: [{ name: 'nodes up', color: '#059669', points: steps('nodesUp'), curve: d3.curveStepAfter }], emptyText: 'no time series',
    })
    lineChart(container, {
      id: 'deliveries-over-time', title: 'Deliveries per window', subtitle: `per ${fmtNum(wS)} s window`,
      ...time, xLabel: 'simulated time (s)', xName: 'time (s)', yLabel: `count per ${fmtNum(wS)} s`,
      series: [
        { name: 'first receipts', color: '#2563eb', points: steps('firstReceipts'), curve: d3.curveStepAfter },
        { name: 'published', color: '#f59e0b', points: steps('published'), curve: d3.curveStepAfter },
        { name: 'lost', color: '#6b7280', points: steps('lost'), curve: d3.curveStepAfter },
      ],
      emptyText: 'no time series',
    })
    lineChart(container, {
      id: 'latency-over-time', title: 'Latency percentiles per window', subtitle: `per ${fmtNum(wS)} s window`,
      ...time, xLabel: 'simulated time (s)', xName: 'time (s)', yLabel: 'first-receipt latency (ms)',
      series: [
        { name: 'p50', color: '#2563eb', points: mids('latencyP50Ms') },
        { name: 'p90', color: '#f59e0b', points: mids('latencyP90Ms') },
        { name: 'p99', color: '#dc2626', points: mids('latencyP99Ms') },
      ],
      emptyText: 'no latency samples in any window',
    })
    // Runs written before these columns existed simply lack them: the charts say so.
    lineChart(container, {
      id: 'delivery-over-time', title: 'Delivery ratio by publish window', subtitle: `messages published per ${fmtNum(wS)} s`,
      ...time, xLabel: 'simulated time of publish (s)', xName: 'time (s)', yLabel: 'receipts / nodes online at publish (%)',
      yDomain: fitShare(col('deliveryRatio')), yFormat: (v) => `${d3.format('.3~r')(v * 100)}`, tipY: pct,
      series: [{ name: 'delivery ratio', color: '#7c3aed', points: steps('deliveryRatio'), curve: d3.curveStepAfter }],
      emptyText: 'no messages published in any window',
    })
    lineChart(container, {
      id: 'overlay-over-time', title: 'Overlay over time', subtitle: 'online members, first stream part',
      ...time, xLabel: 'simulated time (s)', xName: 'time (s)', yLabel: 'count',
      series: [
        { name: 'components', color: '#dc2626', points: steps('components'), curve: d3.curveStepAfter },
        { name: 'mean degree', color: '#0891b2', points: steps('meanDegree'), curve: d3.curveStepAfter },
      ],
      emptyText: 'no overlay samples (older run)',
    })
    return container.querySelectorAll('figure.chart').length
  }

  global.VizCharts = { download, addTableExports, lineChart, histogram, renderRunCharts, staticGraph, messageLayerRows, roleOf, fmtNum, fmtMs, fmtPct, PALETTE, REGION_COLORS, ROLE_COLORS }
})(typeof window !== 'undefined' ? window : globalThis)
