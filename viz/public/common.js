// Small helpers shared by the explorer pages: API calls, formatting, the header bar.

export const fmt = (v) => window.VizCharts.fmtNum(v)
export const fmtMs = (v) => window.VizCharts.fmtMs(v)
export const fmtPct = (v) => window.VizCharts.fmtPct(v)
export const fmtWhen = (iso) => {
  if (!iso) return '–'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** Fetches JSON from the API; throws with the server's error message on a non-2xx answer. */
export async function api(path) {
  const r = await fetch(path)
  const body = await r.json().catch(() => null)
  if (!r.ok) throw new Error((body && body.error) || `${r.status} ${r.statusText}`)
  return body
}

const enc = (key) => key.split('/').map(encodeURIComponent).join('/')
export const runApi = (key, resource, query = '') => `/api/runs/${enc(key)}/${resource}${query}`
export const sweepApi = (key) => `/api/sweeps/${enc(key)}`
export const runUrl = (key) => `/run.html?run=${encodeURIComponent(key)}`
export const sweepUrl = (key) => `/sweep.html?sweep=${encodeURIComponent(key)}`
export const compareApi = (key) => `/api/compares/${enc(key)}`
export const compareUrl = (key) => `/compare.html?compare=${encodeURIComponent(key)}`

/** Tiny element builder: h('td', { class: 'num' }, 'text', child...) */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue
    if (k === 'class') e.className = v
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
    else e.setAttribute(k, v === true ? '' : v)
  }
  for (const c of children.flat()) if (c != null) e.append(c instanceof Node ? c : String(c))
  return e
}

export function header(crumbs = []) {
  const top = document.querySelector('header.top')
  top.innerHTML = ''
  top.append(h('a', { class: 'brand', href: '/' }, 'Block RTC ', h('span', {}, 'explorer')))
  const c = h('div', { class: 'crumbs' })
  for (const [i, [text, href]] of crumbs.entries()) {
    if (i) c.append(' / ')
    c.append(href ? h('a', { href }, text) : text)
  }
  top.append(c, h('div', { class: 'spacer' }))
  const nav = h('nav', {}, h('a', { href: '/' }, 'Runs'))
  top.append(nav)
  // The live page exists only when the simulator started the server with --viz.
  fetch('/api/live/status').then((r) => r.json()).then((s) => { if (s.live) nav.append(h('a', { href: '/live.html' }, '● Live')) }).catch(() => {})
}

export function showError(container, err) {
  container.innerHTML = ''
  container.append(h('div', { class: 'error' }, String(err && err.message ? err.message : err)))
}

export const param = (name) => new URLSearchParams(location.search).get(name)
