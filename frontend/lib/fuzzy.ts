// Fuzzy matching for the room switcher (Ctrl/Cmd+K): the query's letters in order anywhere in
// the name ("gnl" finds "general"), best first: an exact name, then a prefix, then letters
// that run together or start words.

export interface FuzzyMatch {
  score: number;
  /** Where the query's letters were found in the name (for highlighting). */
  positions: number[];
}

const BOUNDARY = /[\s\-_.#@/]/;

/** How well `query` matches `name`, or null when its letters are not all there in order. */
export function fuzzyMatch(query: string, name: string): FuzzyMatch | null {
  const q = query.trim().toLowerCase();
  const n = name.toLowerCase();
  if (q.length === 0) return { score: 0, positions: [] };
  if (n === q) return { score: 1000, positions: [...q].map((_, i) => i) };
  const at = n.indexOf(q);
  if (at >= 0) {
    // A run of the whole query: best at the start, then at a word's start.
    const bonus = at === 0 ? 500 : BOUNDARY.test(n[at - 1] ?? "") ? 300 : 200;
    return { score: bonus - at - (n.length - q.length) * 0.1, positions: [...q].map((_, i) => at + i) };
  }
  const positions: number[] = [];
  let score = 0;
  let from = 0;
  for (const ch of q) {
    if (BOUNDARY.test(ch)) continue;
    const found = n.indexOf(ch, from);
    if (found < 0) return null;
    const previous = positions.at(-1);
    if (previous !== undefined && found === previous + 1) score += 5; // letters together
    if (found === 0 || BOUNDARY.test(n[found - 1] ?? "")) score += 8; // a word's start
    score -= Math.min(found - from, 10) * 0.5; // letters skipped
    positions.push(found);
    from = found + 1;
  }
  return { score: score - (n.length - positions.length) * 0.1, positions };
}

/** The items whose name matches, best first (ties keep their order). */
export function fuzzyFilter<T>(items: readonly T[], query: string, nameOf: (item: T) => string): T[] {
  if (query.trim() === "") return [...items];
  return items
    .map((item, index) => ({ item, index, match: fuzzyMatch(query, nameOf(item)) }))
    .filter((entry): entry is { item: T; index: number; match: FuzzyMatch } => entry.match !== null)
    .sort((a, b) => b.match.score - a.match.score || a.index - b.index)
    .map((entry) => entry.item);
}
