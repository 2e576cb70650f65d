/**
 * The known word a mistyped one most likely meant: the nearest by edit distance (insertions,
 * deletions, substitutions and swaps of neighbours, ignoring case), if it is near enough to be a
 * typo rather than another word: at most 2 edits, and fewer than half the word's length.
 */
export function closest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= 2 && bestDistance * 2 < word.length ? best : undefined;
}

/**
 * Edits from `a` to `b`: insertions, deletions, substitutions and, unless `swaps` is false, a swap
 * of two neighbours as one edit (optimal string alignment) rather than two (Levenshtein).
 */
export function editDistance(a: string, b: string, { swaps = true }: { swaps?: boolean } = {}): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (swaps && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
