import { expect } from 'chai';
import { columnOptions } from '../../src/incremental/columns.js';
import { loadFor } from '../../src/incremental/load.js';
import { nextListState } from '../../src/incremental/marks.js';
import { planList, previousSync } from '../../src/incremental/plan.js';
import { decodeState, type SyncState } from '../../src/incremental/state.js';
import { manifestFor } from '../../src/keboola/manifest.js';
import { knownForNext } from '../../src/incremental/known-ids.js';
import { MARGIN as OVERLAP_SECONDS, readOf } from '../helpers/reads.js';
import { parseConfig } from '../../src/keboola/config.js';
import { loadTemplate } from '../../src/flatten/template.js';
import { captureOutput } from '../helpers/output.js';

const DAY = 86_400;
const cfg = (extra: Record<string, unknown> = {}) => parseConfig({ parameters: { '#access_token': 'sync-test-token', incremental: true, ...extra } }, '/d');
const sync = (lists: SyncState['lists'], template = 'basic'): SyncState => ({ version: 1, template, lists });
const NOW = 1_800_000_000;
const AUTH = { mode: 'authoritative', sliced: false } as const;

describe('sync planning', () => {
  it('reads everything without a mark, then only changes since the mark less the overlap', () => {
    expect(planList('contacts', OVERLAP_SECONDS, cfg(), undefined, NOW)).to.include({ mode: 'full', resumed: false });
    expect(planList('contacts', OVERLAP_SECONDS, cfg(), sync({ contacts: { mark: NOW - 100, full_at: NOW - DAY } }), NOW)).to.deep.equal({ list: 'contacts', mode: 'changes', margin: OVERLAP_SECONDS, since: NOW - 100 - OVERLAP_SECONDS, mark: NOW - 100 });
    expect(planList('companies', undefined, cfg(), sync({}), NOW)).to.include({ mode: 'full' });
  });

  it('continues an interrupted backfill from its cursor', () => {
    const plan = planList('contacts', OVERLAP_SECONDS, cfg(), sync({ contacts: { mark: 5, backfill: { cursor: 'abc', started_at: NOW - 50 } } }), NOW);
    expect(plan).to.include({ mode: 'full', resumed: true, cursor: 'abc', startedAt: NOW - 50 });
  });

  it('refreshes everything when the last full read is older than full_refresh_days, never with 0', () => {
    const old = sync({ contacts: { mark: NOW - 100, full_at: NOW - 8 * DAY } });
    expect(planList('contacts', OVERLAP_SECONDS, cfg(), old, NOW)).to.include({ mode: 'full', resumed: false });
    expect(planList('contacts', OVERLAP_SECONDS, cfg({ full_refresh_days: 0 }), old, NOW)).to.include({ mode: 'changes' });
    expect(planList('contacts', OVERLAP_SECONDS, cfg({ full_refresh_days: 30 }), old, NOW)).to.include({ mode: 'changes' });
  });

  /** previousSync's answer, and what it said to the run's log (asserted here, not leaked into the reporter's output). */
  async function previous(c: ReturnType<typeof cfg>, state: unknown) {
    const { value, stdout } = await captureOutput(() => previousSync(c, decodeState(state).sync));
    return { value, said: stdout.trimEnd() };
  }

  it('ignores state from another template, an unknown version, or on re-sync, and says so', async () => {
    const good = { sync: sync({ contacts: { mark: 1 } }) };
    expect(await previous(cfg(), good)).to.deep.equal({ value: good.sync, said: '' });
    expect(await previous(cfg({ template: 'conversations' }), good)).to.deep.equal({ value: undefined, said: 'The stored state belongs to template basic: this run of conversations reads everything.' });
    expect(await previous(cfg({ resync: true }), good)).to.deep.equal({ value: undefined, said: 'Re-sync: the stored state is ignored and everything is read. Turn parameters.resync off for the next runs.' });
    expect(await previous(cfg(), { sync: { version: 9 } })).to.deep.equal({ value: undefined, said: 'WARNING: The stored state is not one this version wrote: this run reads everything.' });
    expect((await previous(cfg({ incremental: false }), good)).value).to.equal(undefined);
  });

  it('reads everything when the columns left out or hashed changed since the state was written, and says which', async () => {
    const before = { sync: { ...sync({ contacts: { mark: 1 } }), columns: columnOptions(cfg({ hash_columns: ['users.email'] })) } };
    expect((await previous(cfg({ hash_columns: ['users.email'] }), before)).value).to.deep.equal(before.sync);
    expect(await previous(cfg(), before), 'hashing turned off').to.deep.equal({ value: undefined, said: 'parameters.hash_columns changed since the last run: this run reads everything and replaces the tables.' });
    expect(await previous(cfg({ hash_columns: ['users.email'], exclude_columns: ['users.phone'] }), before), 'a column left out').to.deep.equal({ value: undefined, said: 'parameters.exclude_columns changed since the last run: this run reads everything and replaces the tables.' });
    // A state from before these options: as if none were set.
    const older = { sync: { ...sync({ contacts: { mark: 1 } }), columns: { raw_payload: false, custom_attribute_columns: false } } };
    expect((await previous(cfg(), older)).value).to.deep.equal(older.sync);
    expect(await previous(cfg({ exclude_tables: ['notes'] }), older)).to.deep.equal({ value: undefined, said: 'parameters.exclude_tables changed since the last run: this run reads everything and replaces the tables.' });
  });

  it('reads a list whole once after an API version switch, by the version each list was last read whole on', () => {
    const read = (version?: string, extra = {}) => ({ mark: NOW - 100, full_at: NOW - DAY, ...(version ? { api_version: version } : {}), ...extra });
    const on16 = cfg({ api_version: '2.16' });
    expect(planList('contacts', OVERLAP_SECONDS, on16, sync({ contacts: read('2.14') }), NOW)).to.include({ mode: 'full', resumed: false, why: 'the last run read on API version 2.14, which renders records otherwise than 2.16' });
    expect(planList('contacts', OVERLAP_SECONDS, on16, sync({ contacts: read('2.16') }), NOW)).to.include({ mode: 'changes' });
    // A state written before lists kept it: the run's version stands in; none at all is taken as this one.
    expect(planList('contacts', OVERLAP_SECONDS, on16, { ...sync({ contacts: read() }), api_version: '2.14' }, NOW)).to.include({ mode: 'full' });
    expect(planList('contacts', OVERLAP_SECONDS, on16, sync({ contacts: read() }), NOW)).to.include({ mode: 'changes' });
    // A split read begun on this version goes on; one begun on the other starts again.
    const backfill = { backfill: { cursor: 'c', started_at: NOW - 50 } };
    expect(planList('contacts', OVERLAP_SECONDS, on16, sync({ contacts: read('2.16', backfill) }), NOW)).to.include({ mode: 'full', resumed: true });
    expect(planList('contacts', OVERLAP_SECONDS, on16, sync({ contacts: read('2.14', backfill) }), NOW)).to.include({ mode: 'full', resumed: false });
    // Back to a version with no deleted list, and no sketch to compare with: the read may not be split.
    expect(planList('conversations', OVERLAP_SECONDS, cfg({ api_version: '2.14' }), sync({ conversations: read('2.16') }), NOW, true)).to.include({ mode: 'full', mustEnd: true });
    expect(planList('conversations', OVERLAP_SECONDS, cfg({ api_version: '2.14' }), sync({ conversations: read('2.16', { sketch: 'x' }) }), NOW, true)).to.not.have.property('mustEnd');
    expect(planList('contacts', OVERLAP_SECONDS, on16, sync({ contacts: read('2.14', { read_whole: true }) }), NOW)).to.include({ mode: 'full', mustEnd: true });
  });

  it('keeps the old version for a list the run did not reach, and gives a list read whole this run\'s', () => {
    const full = { list: 'contacts', mode: 'full' as const, resumed: false, startedAt: NOW };
    const o = (extra: Parameters<typeof readOf>[1]) => readOf(full, extra);
    expect(nextListState({ mark: 5 }, o({ reached: false }), NOW, '2.16', '2.14')).to.deep.equal({ mark: 5, api_version: '2.14' });
    expect(nextListState({ mark: 5, api_version: '2.14' }, o({ maxUpdatedAt: NOW - 10 }), NOW, '2.16', '2.14')).to.include({ api_version: '2.16', mark: NOW - 10 });
    expect(nextListState({ mark: 5, api_version: '2.14' }, o({ complete: false, cursor: 'c' }), NOW, '2.16', '2.14')).to.include({ api_version: '2.16' });
  });

  it('reads again from the first record that lost a moved row, never later than the overlap, through a split read too', () => {
    const o = readOf;
    const changes = { list: 'contacts', mode: 'changes' as const, since: NOW - 3_000, mark: NOW - 2_000 };
    expect(nextListState({ mark: NOW - 2_000 }, o(changes, { maxUpdatedAt: NOW - 100, rereadFrom: NOW - 50 }), NOW)).to.include({ mark: NOW - 100, resume_at: NOW - 100 - OVERLAP_SECONDS });
    expect(nextListState({ mark: NOW - 2_000 }, o(changes, { maxUpdatedAt: NOW - 100, rereadFrom: NOW - 5_000 }), NOW)).to.include({ resume_at: NOW - 5_000 });
    expect(nextListState({ mark: NOW - 2_000 }, o(changes, { maxUpdatedAt: NOW - 100 }), NOW)).to.not.have.property('resume_at');
    const part = { list: 'contacts', mode: 'full' as const, resumed: true, startedAt: NOW - 9_000 };
    const first = nextListState(undefined, o({ ...part, resumed: false }, { complete: false, cursor: 'c', rereadFrom: NOW - 8_000 }), NOW);
    expect(first).to.include({ resume_at: NOW - 8_000 });
    expect(planList('contacts', OVERLAP_SECONDS, cfg(), sync({ contacts: first }), NOW)).to.include({ mode: 'full', resumed: true });
    // A fresh read split again drops an older re-read (it reads everything anyway).
    expect(nextListState({ mark: 5, resume_at: 7 }, o({ ...part, resumed: false }, { complete: false, cursor: 'c' }), NOW)).to.not.have.property('resume_at');
    const last = nextListState(first, o(part, { maxUpdatedAt: NOW - 100 }), NOW);
    expect(last).to.include({ mark: NOW - 9_000, resume_at: NOW - 9_000 - OVERLAP_SECONDS });
  });

  it('moves the mark only over what was written, and never past the start of a full read', () => {
    const full = { list: 'contacts', mode: 'full' as const, resumed: false, startedAt: NOW, why: '' };
    const o = readOf;
    // A whole read also sets how far back the next run reads deletions: to the read's start, less the overlap.
    expect(nextListState(undefined, o(full, { maxUpdatedAt: NOW - 10 }), NOW)).to.deep.equal({ mark: NOW - 10, full_at: NOW, deleted_through: NOW - OVERLAP_SECONDS });
    expect(nextListState(undefined, o(full, { maxUpdatedAt: NOW + 30 }), NOW)).to.deep.equal({ mark: NOW, full_at: NOW, deleted_through: NOW - OVERLAP_SECONDS });
    // A read of changes that read deletions from T continues them from T, less the overlap, whatever its mark.
    const read = nextListState({ mark: 1000, deleted_through: 500 }, o({ list: 'conversations', mode: 'changes', since: 0, mark: 1000 }, { maxUpdatedAt: NOW - 5, deletedFrom: NOW - 7200 }), NOW);
    expect(read).to.deep.equal({ mark: NOW - 5, deleted_through: NOW - 7200 - OVERLAP_SECONDS });
    expect(planList('conversations', OVERLAP_SECONDS, cfg(), sync({ conversations: { ...read, full_at: NOW } }), NOW)).to.include({ mode: 'changes', since: NOW - 5 - OVERLAP_SECONDS, deletedThrough: NOW - 7200 - OVERLAP_SECONDS });
    expect(nextListState({ mark: 7 }, o(full, { complete: false, cursor: 'c2' }), NOW)).to.deep.equal({ mark: 7, backfill: { cursor: 'c2', started_at: NOW } });
    const changes = { list: 'contacts', mode: 'changes' as const, since: 1000 - OVERLAP_SECONDS, mark: 1000 };
    expect(nextListState({ mark: 1000, full_at: 1 }, o(changes, { maxUpdatedAt: 2000 }), NOW)).to.deep.equal({ mark: 2000, full_at: 1 });
    expect(nextListState({ mark: 1000 }, o(changes, {}), NOW)).to.deep.equal({ mark: 1000 });
    expect(nextListState({ mark: 1000 }, o(changes, { reached: false, maxUpdatedAt: 5000 }), NOW)).to.deep.equal({ mark: 1000 });
  });

  it('continues a read capped at MAX_MERGED_RECORDS where it stopped, not from the overlap, and drops that once a read completes', () => {
    const o = readOf;
    const changes = { list: 'contacts', mode: 'changes' as const, since: 1000 - OVERLAP_SECONDS, mark: 1000 };
    const capped = nextListState({ mark: 1000, full_at: NOW - 10 }, o(changes, { complete: false, capped: true, maxUpdatedAt: 5000, startedAt: NOW }), NOW);
    expect(capped).to.deep.equal({ mark: 5000, full_at: NOW - 10, resume_at: 5000 });
    expect(planList('contacts', OVERLAP_SECONDS, cfg(), { version: 1, template: 'basic', lists: { contacts: capped } }, NOW)).to.deep.equal({ list: 'contacts', mode: 'changes', margin: OVERLAP_SECONDS, since: 5000, mark: 5000 });
    // Stopped among records too recent for the search index to be sure of: the next run starts at the overlap.
    expect(nextListState({ mark: 1000 }, o(changes, { complete: false, capped: true, maxUpdatedAt: NOW - 60, startedAt: NOW }), NOW).resume_at).to.equal(NOW - OVERLAP_SECONDS);
    expect(nextListState(capped, o({ ...changes, since: 5000, mark: 5000 }, { maxUpdatedAt: 6000 }), NOW)).to.deep.equal({ mark: 6000, full_at: NOW - 10 });
    // Stopped by the time budget: the same, and one that wrote nothing keeps where it began (not the overlap).
    expect(nextListState({ mark: 1000 }, o(changes, { complete: false, maxUpdatedAt: 3000, startedAt: NOW }), NOW)).to.deep.equal({ mark: 3000, resume_at: 3000 });
    const resumed = { ...changes, since: 5000, mark: 5000 };
    expect(nextListState(capped, o(resumed, { complete: false, startedAt: NOW }), NOW)).to.deep.equal({ mark: 5000, full_at: NOW - 10, resume_at: 5000 });
  });

  it('replaces tables read whole, and otherwise deletes the written records\' rows before upserting', () => {
    const t = loadTemplate('basic');
    const users = t.tables.find((x) => x.name === 'users')!;
    const notes = t.tables.find((x) => x.name === 'notes')!;
    const plan = { list: 'contacts', mode: 'changes' as const, since: 1, mark: 2 };
    const outcome = readOf(plan, { ids: new Set(['b', 'a']) });
    // How storage loads the table: the manifest's incremental flag and delete_where (its schema: tests/unit/manifest.test.ts).
    const loadOf = (m: ReturnType<typeof manifestFor>) => ({ incremental: m.incremental, ...(m.delete_where ? { delete_where: m.delete_where } : {}) });
    expect(loadOf(manifestFor(notes.node, loadFor(notes.rootKey, [outcome], true), AUTH))).to.deep.equal({ incremental: true, delete_where: [{ where_filters: [{ column: 'user_id', operator: 'eq', values_from_set: ['a', 'b'] }] }] });
    expect(manifestFor(users.node, loadFor(users.rootKey, [outcome], true), AUTH).delete_where).to.deep.equal([{ where_filters: [{ column: 'id', operator: 'eq', values_from_set: ['a', 'b'] }] }]);
    expect(loadOf(manifestFor(users.node, loadFor(users.rootKey, [readOf(plan)], true), AUTH))).to.deep.equal({ incremental: true });
    const whole = readOf({ list: 'contacts', mode: 'full', resumed: false, startedAt: 1, why: '' }, { ids: new Set(['a']) });
    expect(loadOf(manifestFor(notes.node, loadFor(notes.rootKey, [whole], true), AUTH))).to.deep.equal({ incremental: false });
    expect(manifestFor(notes.node, loadFor(notes.rootKey, [readOf({ list: 'contacts', mode: 'full', resumed: true, startedAt: 1, why: '' }, { ids: new Set(['a']) })], true), AUTH).incremental).to.equal(true);
    expect(loadOf(manifestFor(notes.node, loadFor(notes.rootKey, [outcome], false), AUTH))).to.deep.equal({ incremental: false });
  });
});

describe('the reference ids of a list read whole (knownForNext)', () => {
  const named = new Set(['t1', 't2']);
  it('keeps the ids the list showed, and apart the ids rows named that it lacked', () => {
    expect(knownForNext(undefined, 'tags', { current: ['t1'], named, atMost: 10 })).to.deep.equal({ known: ['t1'], unlisted: ['t2'] });
  });
  it('a list not read to the end keeps the last run\'s ids, plus the named ids they lack', () => {
    expect(knownForNext({ ...sync({}), known: { tags: ['t1'] } }, 'tags', { named, atMost: 10 })).to.deep.equal({ known: ['t1'], known_sketch: undefined, unlisted: ['t2'] });
  });
  it('with no ids of the last run (a first run cut short), keeps every id rows named, so one deleted before the next run takes its rows along', () => {
    expect(knownForNext(undefined, 'tags', { named, atMost: 10 })).to.deep.equal({ known: undefined, known_sketch: undefined, unlisted: ['t1', 't2'] });
    // Only a sketch (which cannot say which ids it holds): the same.
    expect(knownForNext({ ...sync({}), known_sketch: { tags: { sketch: 'x', size: 3 } }, unlisted: { tags: ['t0'] } }, 'tags', { named, atMost: 10 }).unlisted).to.deep.equal(['t0', 't1', 't2']);
  });
});
