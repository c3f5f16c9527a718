/** Suggestions for a misspelled name: the form's fields, templates, regions, tables and columns all use it. */

/** The known name nearest to a misspelled one (by edit distance), if it is near enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** ` Did you mean "x"?` for a name that is near one of `known` (case-insensitively), else ''. */
export function didYouMean(name: unknown, known: readonly string[]): string {
  const near = typeof name === 'string' ? closest(name, known) : undefined;
  return near !== undefined ? ` Did you mean ${JSON.stringify(near)}?` : '';
}
