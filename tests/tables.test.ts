import { expect } from 'chai';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TableWriters } from '../src/keboola/tables.js';
import { readTable } from './helpers/csv.js';
import { manifestOf } from './helpers/storage.js';

describe('table writers', () => {
  it('escapes quotes, commas, newlines, CR and unicode so a loader reads back the same values', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tables-'));
    const w = await TableWriters.open(dir, [{ name: 't', columns: ['id', 'text'], primaryKey: ['id'] }]);
    const nasty = ['say "hi", ok', 'line1\nline2', 'cr\ronly', 'crlf\r\nend', ' lead and trail ', 'žluťoučký 🐴 日本語', '', '"'];
    for (const [i, text] of nasty.entries()) await w.get('t').write([String(i), text]);
    await w.close((spec, sliced) => manifestOf(spec, sliced), 'authoritative');

    const table = readTable(path.join(dir, 't.csv'));
    expect(table.header).to.deep.equal(['id', 'text']);
    expect(table.rows.map((r) => r.text)).to.deep.equal(nasty);
    const raw = await readFile(path.join(dir, 't.csv'), 'utf8');
    expect(raw.startsWith('"id","text"\n')).to.equal(true);
    expect(raw).to.include('"say ""hi"", ok"');
    const column = (name: string, primaryKey: boolean) => ({ name, data_type: { base: { type: 'STRING' } }, nullable: !primaryKey, primary_key: primaryKey, description: `Column ${name}.` });
    expect(JSON.parse(await readFile(path.join(dir, 't.csv.manifest'), 'utf8'))).to.deep.equal({
      manifest_type: 'output',
      has_header: true,
      incremental: false,
      description: 'Table t.',
      schema: [column('id', true), column('text', false)],
    });
  });

  it('writes every opened table, header only when it got no rows', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tables-'));
    const w = await TableWriters.open(dir, [{ name: 'empty', columns: ['a', 'b'], primaryKey: ['a'] }]);
    await w.close((spec, sliced) => manifestOf(spec, sliced), 'authoritative');
    expect(await readFile(path.join(dir, 'empty.csv'), 'utf8')).to.equal('"a","b"\n');
  });

  it('survives many rows without holding them (backpressure)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tables-'));
    const w = await TableWriters.open(dir, [{ name: 'big', columns: ['id', 'pad'], primaryKey: ['id'] }]);
    const pad = 'x'.repeat(1000);
    for (let i = 0; i < 20_000; i++) await w.get('big').write([String(i), pad]);
    await w.close((spec, sliced) => manifestOf(spec, sliced), 'authoritative');
    expect(readTable(path.join(dir, 'big.csv')).rows).to.have.length(20_000);
  });
});
