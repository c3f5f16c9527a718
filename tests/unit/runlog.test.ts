/**
 * The run's log as a person reads it: progress lines with a total, a percentage and the time left (on a clock the
 * test moves, so the pace is exact), the reason a read starts before the time it follows from, the summary's
 * saved requests, and counts in the singular for one. The sizes the progress shows come from the paginators as data
 * (intercom/paginate.ts), tested here too.
 */
import { expect } from 'chai';
import { duration, Progress } from '../../src/engine/progress.js';
import { describeCatchUp, describeChanges } from '../../src/engine/margin.js';
import { savedRequests } from '../../src/engine/summary.js';
import { RunCounts } from '../../src/engine/context.js';
import type { RequestControl, RequestReport } from '../../src/engine/ports.js';
import { keptOf, sizeOf, type Item, type Resume } from '../../src/intercom/paginate.js';
import { onEvent, type RunEvent } from '../../src/events.js';
import { noun, plural } from '../../src/util/plural.js';
import { ManualClock } from '../helpers/clock.js';
import { captureOutput } from '../helpers/output.js';
import { MARGIN } from '../helpers/reads.js';

const INTERVAL = 5_000;
const START = 1_800_000_000_000;

/** Requests' controls on a clock the test moves, with a request count it sets. */
function controls(clock: ManualClock, requests = { n: 0 }): RequestControl {
  const report = (): RequestReport => ({ requests: requests.n, retries: 0, rateLimited: 0, waitedMs: 1500, meanLatencyMs: 0, maxInFlight: 0, byRoute: new Map(), byCost: new Map() });
  return { clock, halt: () => undefined, report };
}

/** A Progress on a moved clock; what begin() and end() print is captured, not leaked into the reporter's output. */
function progressOn(clock: ManualClock, requests = { n: 0 }) {
  const progress = new Progress(controls(clock, requests), INTERVAL);
  const lines: string[] = [];
  const quietly = async <T>(fn: () => T): Promise<T> => {
    const { value, stdout } = await captureOutput(fn);
    lines.push(...stdout.split('\n').filter(Boolean));
    return value;
  };
  return { progress, lines, quietly };
}

const times = (n: number, fn: () => void) => Array.from({ length: n }, fn);

describe('the run log', () => {
  describe('progress lines', () => {
    let stops: Array<() => void> = [];
    afterEach(() => {
      for (const s of stops) s();
      stops = [];
    });

    it('show n of the total, the percentage, and the time left at the pace since the list began', async () => {
      const clock = new ManualClock(START);
      const requests = { n: 0 };
      const { progress, quietly } = progressOn(clock, requests);
      stops.push(() => progress.stop());
      const contacts = await quietly(() => progress.begin('contacts', 'contacts changed since …'));
      contacts.total(12_000);
      clock.advance(60_000);
      times(3_000, () => contacts.count());
      requests.n = 20;
      // 3,000 in 60 s is 50 a second: the 9,000 left take 180 s.
      expect(progress.status()).to.equal('Read so far: contacts 3,000 of 12,000 (25%, about 3 min left); 20 requests in 60.0 s (0.3/s), 1.5 s waited for the rate limit.');
      clock.advance(60_000);
      times(3_000, () => contacts.count());
      expect(progress.status()).to.include('contacts 6,000 of 12,000 (50%, about 2 min left)');
    });

    it('keep plain counts where the list did not say its size, and print no time left before a first interval of pace', async () => {
      const clock = new ManualClock(START);
      const { progress, quietly } = progressOn(clock, { n: 1 });
      stops.push(() => progress.stop());
      const companies = await quietly(() => progress.begin('companies'));
      const tickets = await quietly(() => progress.begin('tickets'));
      tickets.total(400);
      times(40, () => companies.count());
      times(10, () => tickets.count());
      clock.advance(INTERVAL - 1);
      expect(progress.status()).to.equal('Read so far: companies 40, tickets 10 of 400 (2%); 1 request in 5.0 s (0.2/s), 1.5 s waited for the rate limit.');
      clock.advance(1);
      expect(progress.status()).to.include('tickets 10 of 400 (2%, about 3 min left)');
    });

    it('never show more than 100%, nor 100% before the last record, and mark a total that was outgrown or estimated', async () => {
      const clock = new ManualClock(START);
      const { progress, quietly } = progressOn(clock);
      stops.push(() => progress.stop());
      const conversations = await quietly(() => progress.begin('conversations'));
      conversations.total(1_000);
      clock.advance(INTERVAL);
      times(999, () => conversations.count());
      expect(progress.status()).to.include('conversations 999 of 1,000 (99%, about 1 s left)');
      // Records added while the list is read: the first total was too small.
      times(21, () => conversations.count());
      expect(progress.status()).to.include('conversations 1,020 of ~1,000 (100%);');
      const calls = await quietly(() => progress.begin('calls'));
      calls.total(300, true);
      expect(progress.status()).to.include('calls 0 of ~300 (0%)');
      // A read of changes corrects its total as the records asked from early are left out.
      calls.total(0);
      expect(progress.status()).to.include('calls 0 of 0 (100%)');
    });

    it('end with the count in the singular for one, the elapsed time on the clock, and a list_done event', async () => {
      const clock = new ManualClock(START);
      const { progress, lines, quietly } = progressOn(clock);
      const events: RunEvent[] = [];
      const stop = onEvent((e) => events.push(e));
      stops.push(stop, () => progress.stop());
      const admins = await quietly(() => progress.begin('admins'));
      const tags = await quietly(() => progress.begin('tags'));
      tags.total(2);
      admins.count();
      times(2, () => tags.count());
      clock.advance(2_500);
      await quietly(() => admins.end());
      await quietly(() => tags.end());
      expect(lines).to.deep.equal(['Reading admins…', 'Reading tags…', 'admins: 1 object read in 2.5 s (done)', 'tags: 2 objects read in 2.5 s (done)']);
      expect(events).to.deep.equal([
        { kind: 'list_done', list: 'admins', read: 1 },
        { kind: 'list_done', list: 'tags', read: 2, total: 2 },
      ]);
    });

    it('say the time left as precisely as an estimate deserves', () => {
      expect([400, 42_000, 89_000, 240_000, 3_600_000, 3_900_000].map(duration)).to.deep.equal(['1 s', '42 s', '1 min', '4 min', '1 h', '1 h 5 min']);
    });
  });

  describe('a list size from its first page', () => {
    it('is its total_count; else its page count times the first page, approximate; nothing where neither is said', () => {
      expect(sizeOf({ total_count: 380, pages: { total_pages: 3 } }, 150)).to.deep.equal({ total: 380, approximate: false });
      expect(sizeOf({ pages: { total_pages: 4 } }, 50)).to.deep.equal({ total: 200, approximate: true });
      expect(sizeOf({ total_pages: 1 }, 7)).to.deep.equal({ total: 7, approximate: false });
      expect(sizeOf({ total_count: null, pages: null }, 50)).to.equal(undefined);
      expect(sizeOf({ total_count: 'many' }, 50)).to.equal(undefined);
    });

    it('goes down by each record a read of changes leaves out (asked from early), so a progress line counts toward what is kept', async () => {
      const heard: number[] = [];
      const page: Item[] = [1, 2, 3, 10, 11].map((t) => ({ id: String(t), updated_at: t }));
      const read = async function* (resume: Resume) {
        resume.onTotal?.(page.length);
        yield* page;
      };
      const kept: string[] = [];
      for await (const item of keptOf(read, (i) => Number(i.updated_at) >= 10, { onTotal: (n) => heard.push(n) })) kept.push(String(item.id));
      expect(kept).to.deep.equal(['10', '11']);
      expect(heard).to.deep.equal([5, 4, 3, 2]);
    });
  });

  describe('where a read starts, and why', () => {
    const mark = 1_800_000_000;

    it('a read of changes names the last run’s mark and the reader’s margin, with the reason true of a search or a filter', () => {
      expect(MARGIN).to.equal(30 * 60);
      expect(describeChanges({ list: 'contacts', mode: 'changes', margin: MARGIN, since: mark - MARGIN, mark })).to.equal(
        "contacts changed since 2027-01-15T07:30:00Z (the last run's mark, 2027-01-15T08:00:00Z, less 30 minutes: a change can reach Intercom's search index minutes late, and Intercom's clock may be behind ours)",
      );
      expect(describeChanges({ list: 'macros', mode: 'changes', margin: MARGIN, since: mark - MARGIN, mark })).to.include('less 30 minutes: a change can show in the filtered list minutes late');
      expect(describeChanges({ list: 'contacts', mode: 'changes', margin: MARGIN, since: mark - 90, mark })).to.equal('contacts changed since 2027-01-15T07:58:30Z (where the last run left off)');
    });

    it('the catch-up names when the read began (in an earlier run, for a resumed one) and why it starts a margin earlier', () => {
      const full = { list: 'contacts', mode: 'full', margin: MARGIN, resumed: false, startedAt: mark } as const;
      expect(describeCatchUp(full, false)).to.equal(
        "since 2027-01-15T07:30:00Z (the read began at 2027-01-15T08:00:00Z, less 30 minutes: a change can reach Intercom's search index minutes late, and Intercom's clock may be behind ours)",
      );
      // A newest-first list is read again from its front, which no search index stands behind.
      expect(describeCatchUp({ ...full, list: 'conversations' }, true)).to.equal(
        "since 2027-01-15T07:30:00Z (the read began at 2027-01-15T08:00:00Z, less 30 minutes: Intercom's clock may be behind ours, so a record changed during the read may carry an earlier time)",
      );
      expect(describeCatchUp({ ...full, resumed: true, margin: 90 }, false)).to.match(/^since 2027-01-15T07:58:30Z \(the read began at 2027-01-15T08:00:00Z, in an earlier run, less 90 seconds: /);
    });
  });

  describe('the summary', () => {
    it('lists each cost group once for each reason: requests of readers that share one add up', () => {
      const counts = new RunCounts();
      counts.saved.set('contact_notes', 148);
      counts.excluded.set('contact_notes', 232);
      counts.excluded.set('company_notes', 3);
      counts.membersSaved.set('contact_segments', 375);
      expect(savedRequests(counts)).to.deep.equal({
        'notes (the record said its list was empty)': 148,
        'segments (read from the other side, not per record)': 375,
        'notes (its table left out by parameters.exclude_tables)': 232,
        'company notes (its table left out by parameters.exclude_tables)': 3,
      });
    });

    it('counts are in the singular for one', () => {
      expect([0, 1, 2, 1_234].map((n) => plural(n, 'request'))).to.deep.equal(['0 requests', '1 request', '2 requests', '1,234 requests']);
      expect([plural(1, 'pass', 'passes'), plural(3, 'pass', 'passes'), plural(1, 'company', 'companies'), noun(1, 'row'), noun(5, 'row')]).to.deep.equal(['1 pass', '3 passes', '1 company', 'row', 'rows']);
    });
  });
});
