/**
 * The demo's tables as a terminal shows them (scripts/text-table.ts, scripts/demo-report.ts): counts with thousands
 * separators, columns as wide as their widest cell, wide characters counted as two columns.
 */
import { expect } from 'chai';
import { alignedTable, displayWidth, thousands, truncate } from '../../scripts/text-table.js';
import { runsReport } from '../../scripts/demo-report.js';

describe('text tables', () => {
  it('write counts with thousands separators, and an unknown count as ?', () => {
    expect([0, 999, 1_000, 1_258, 1_234_567, NaN].map(thousands)).to.deep.equal(['0', '999', '1,000', '1,258', '1,234,567', '?']);
  });

  it('count the columns a terminal draws: two for East Asian wide characters and emoji, one for a letter with marks', () => {
    expect(displayWidth('VIP')).to.equal(3);
    expect(displayWidth('日本語タグ')).to.equal(10);
    expect(displayWidth('priority 🔥')).to.equal(11);
    expect(displayWidth('👨‍👩‍👧')).to.equal(2); // one family, joined by zero-width joiners
    expect(displayWidth('Ünïcödé ✓')).to.equal(9);
    expect(displayWidth('e\u0301')).to.equal(1); // e and a combining acute accent
  });

  it('cut a long value to the width, ending in …, never through a wide character', () => {
    expect(truncate('churn-risk', 10)).to.equal('churn-risk');
    expect(truncate('churn-risk', 6)).to.equal('churn…');
    expect(truncate('日本語タグ', 6)).to.equal('日本…');
    expect(displayWidth(truncate('日本語タグ', 6))).to.equal(5);
  });

  it('pad every column to its widest cell as drawn, numbers to the right', () => {
    const lines = alignedTable([{ title: 'tag' }, { title: 'users', right: true }], [['日本語タグ', '1,204'], ['VIP', '7']]);
    expect(lines).to.deep.equal(['tag         users', '──────────  ─────', '日本語タグ  1,204', 'VIP             7']);
  });
});

describe("the demo's table of runs", () => {
  const results = [
    { template: 'conversations', code: 0, seconds: 0.34, requests: 123, tables: [['conversations', 120], ['conversation_parts_attachments', 138]] as Array<[string, number]> },
    { template: 'users_and_events', code: 0, seconds: 12.04, requests: 12_345, tables: [['events', 1_234_567]] as Array<[string, number]> },
  ];

  it('fits its columns to the longest template and table names and the largest count, with thousands separators', () => {
    expect(runsReport(results)).to.deep.equal([
      'Template          Table                                Rows',
      '────────────────  ──────────────────────────────  ─────────',
      'conversations     conversations                         120',
      '                  conversation_parts_attachments        138',
      '                  (exit 0, 123 requests, 0.3 s)',
      '',
      'users_and_events  events                          1,234,567',
      '                  (exit 0, 12,345 requests, 12.0 s)',
      '',
    ]);
  });
});
