// "Did you mean" hints for misspelt field names, enum values, region names and budget metrics.

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution)
    }
    previous = current
  }
  return previous[b.length]
}

/** The closest candidate within edit distance 2 (case-insensitive), or undefined. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase())
    // A distance as long as the word itself means nothing in common (e.g. "x" vs "ms").
    if (d < bestDistance && d < Math.max(word.length, 2)) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** `unknown field "X" (known: a, b), did you mean "a"?`; `where` goes after the word, e.g. " in topology". */
export function unknownPhrase(kind: string, word: string, known: readonly string[], where = ''): string {
  const hint = closest(word, known)
  return `unknown ${kind} "${word}"${where} (known: ${known.join(', ')})` + (hint ? `, did you mean "${hint}"?` : '')
}
