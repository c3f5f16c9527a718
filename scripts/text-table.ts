/**
 * Tables for a terminal: columns padded to their widest cell as the terminal draws it. The demo's data has tag
 * names in Japanese and with emoji, which take two columns each, so padding by string length would misalign them.
 */
import { fmt } from '../src/util/plural.js';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** East Asian wide and fullwidth blocks (Hangul, CJK, kana, fullwidth forms): two terminal columns each. */
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;

/** One grapheme's width: 2 for wide characters and emoji (shown as emoji by default or asked to), 0 for controls. */
function graphemeWidth(g: string): number {
  if (WIDE.test(g) || /\p{Emoji_Presentation}|\uFE0F/u.test(g)) return 2;
  return /^\p{Cc}+$/u.test(g) ? 0 : 1;
}

/** How many columns a terminal takes to draw `text` (one line). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
}

/** `text` cut to at most `max` columns, ending in … when cut. */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let out = '';
  let width = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = graphemeWidth(segment);
    if (width + w > max - 1) break;
    out += segment;
    width += w;
  }
  return `${out}…`;
}

export const padEnd = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)));
export const padStart = (text: string, width: number) => ' '.repeat(Math.max(0, width - displayWidth(text))) + text;

/** A count as people read it: 1,234,567. */
export const thousands = (n: number) => (Number.isFinite(n) ? fmt(n) : '?');

export interface Column {
  title: string;
  /** Numbers are aligned to the right. */
  right?: boolean;
}

/**
 * The lines of an aligned table: a header, a rule, then the rows; every column as wide as its widest cell (cells
 * past `maxCell` columns are cut), two spaces between columns, no trailing spaces.
 */
export function alignedTable(columns: Column[], rows: string[][], maxCell = Infinity): string[] {
  const cells = rows.map((row) => row.map((cell) => truncate(cell, maxCell)));
  const widths = columns.map((c, i) => Math.max(displayWidth(c.title), ...cells.map((row) => displayWidth(row[i] ?? ''))));
  const line = (row: string[]) =>
    columns
      .map((c, i) => (c.right ? padStart(row[i] ?? '', widths[i]) : padEnd(row[i] ?? '', widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)];
}
