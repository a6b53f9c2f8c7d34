/**
 * "Did you mean" for option names. Neither `leven` nor `fastest-levenshtein`
 * is a dependency of ours (only of dependencies), and the distance of two
 * option names is a few lines.
 */

/**
 * Optimal string alignment distance (Damerau-Levenshtein without repeated
 * edits of one substring): insertions, deletions, substitutions and swaps of
 * two neighbours each cost 1.
 */
export function editDistance (a: string, b: string): number {
  let before: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1)
      current.push(d)
    }
    before = previous
    previous = current
  }
  return previous[b.length]
}

/**
 * The known name closest to `name`, ignoring case, or undefined when none is
 * close: the edits needed may be at most a third of the longer name, rounded
 * up (`ttl` → `ttlMs`, `replica` → `replicas`; not `ttl` → `defaultTtlMs`).
 * Ties go to the first in `known`.
 */
export function closestName (name: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance && distance <= Math.ceil(Math.max(name.length, candidate.length) / 3)) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}
