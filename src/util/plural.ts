/** Counts as log lines print them: thousands separated, and the noun in the singular for one ("1 request"). */

/** 12345 → "12,345". */
export const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * A count and its noun: `plural(1, 'request')` is "1 request", `plural(1200, 'row')` "1,200 rows". `many` for a noun
 * whose plural is not the singular with an s ("pass", "passes").
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmt(n)} ${noun(n, one, many)}`;
}

/** The noun alone, for a count printed apart (a column of right-aligned numbers). */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}
