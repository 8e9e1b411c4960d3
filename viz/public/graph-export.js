// The overlay on screen as files other tools open: GraphML and GEXF (Gephi), with each node's
// region, coordinates, roles, adversary kind and degree, and each link's latency; and the canvas as PNG.

const esc = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function nodeAttributes(view, i) {
  const d = view.nodes[i]
  return {
    region: d.region ?? '', lat: d.lat ?? '', lon: d.lon ?? '', roles: (d.roles ?? []).join(' '), adversary: d.adversary ?? '', degree: view.degree[i],
  }
}
const NODE_KEYS = [['region', 'string'], ['lat', 'double'], ['lon', 'double'], ['roles', 'string'], ['adversary', 'string'], ['degree', 'int']]

/** GraphML of the graph view's nodes and links (one undirected edge per link). */
export function graphml(view, name) {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
  for (const [k, t] of NODE_KEYS) out.push(`  <key id="${k}" for="node" attr.name="${k}" attr.type="${t}"/>`)
  out.push('  <key id="latencyMs" for="edge" attr.name="latencyMs" attr.type="double"/>')
  out.push(`  <graph id="${esc(name)}" edgedefault="undirected">`)
  for (let i = 0; i < view.n; i++) {
    const a = nodeAttributes(view, i)
    out.push(`    <node id="${esc(view.ids[i])}">${NODE_KEYS.filter(([k]) => a[k] !== '').map(([k]) => `<data key="${k}">${esc(a[k])}</data>`).join('')}</node>`)
  }
  for (let k = 0; k < view.m; k++) {
    out.push(`    <edge source="${esc(view.ids[view.edges[2 * k]])}" target="${esc(view.ids[view.edges[2 * k + 1]])}"><data key="latencyMs">${view.edgeLatency[k]}</data></edge>`)
  }
  out.push('  </graph>', '</graphml>')
  return out.join('\n') + '\n'
}

/** GEXF 1.3 with the layout's positions, so Gephi opens the picture as it is on screen. */
export function gexf(view, name) {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" version="1.3">',
    `  <meta><creator>Block RTC explorer</creator><description>${esc(name)}</description></meta>`, '  <graph defaultedgetype="undirected">', '    <attributes class="node">']
  NODE_KEYS.forEach(([k, t], j) => out.push(`      <attribute id="${j}" title="${k}" type="${t === 'int' ? 'integer' : t}"/>`))
  out.push('    </attributes>', '    <attributes class="edge"><attribute id="0" title="latencyMs" type="double"/></attributes>', '    <nodes>')
  for (let i = 0; i < view.n; i++) {
    const a = nodeAttributes(view, i)
    const pos = view.pos ? `<viz:position x="${view.pos[2 * i].toFixed(2)}" y="${(-view.pos[2 * i + 1]).toFixed(2)}" z="0"/>` : ''
    out.push(`      <node id="${esc(view.ids[i])}" label="${esc(view.ids[i])}"><attvalues>${NODE_KEYS.map(([k], j) => (a[k] === '' ? '' : `<attvalue for="${j}" value="${esc(a[k])}"/>`)).join('')}</attvalues>${pos}</node>`)
  }
  out.push('    </nodes>', '    <edges>')
  for (let k = 0; k < view.m; k++) {
    out.push(`      <edge id="${k}" source="${esc(view.ids[view.edges[2 * k]])}" target="${esc(view.ids[view.edges[2 * k + 1]])}"><attvalues><attvalue for="0" value="${view.edgeLatency[k]}"/></attvalues></edge>`)
  }
  out.push('    </edges>', '  </graph>', '</gexf>')
  return out.join('\n') + '\n'
}
