// Search that forgives: exact, then ignoring case, then prefix, substring, and finally the query's
// characters in order (n12 finds "node-12"). Ranked, shortest id first within a rank.

/** @returns {Array<{ id: string, rank: number }>} matches of `query` among `ids`, best first. */
export function searchIds(query, ids) {
  const q = query.trim()
  if (!q) return []
  const lq = q.toLowerCase()
  const out = []
  for (const id of ids) {
    const rank = rankOf(q, lq, id)
    if (rank >= 0) out.push({ id, rank })
  }
  return out.sort((a, b) => a.rank - b.rank || a.id.length - b.id.length || (a.id < b.id ? -1 : 1))
}

function rankOf(q, lq, id) {
  if (id === q) return 0
  const l = id.toLowerCase()
  if (l === lq) return 1
  if (l.startsWith(lq)) return 2
  if (l.includes(lq)) return 3
  let k = 0
  for (let i = 0; i < l.length && k < lq.length; i++) if (l[i] === lq[k]) k++
  return k === lq.length ? 4 : -1
}
