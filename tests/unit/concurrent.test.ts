import { expect } from 'chai';
import { forEachConcurrent } from '../../src/util/concurrent.js';

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('forEachConcurrent', () => {
  it('keeps at most `limit` calls in flight and reports whether the iterable ended', async () => {
    let inFlight = 0;
    let max = 0;
    const seen: number[] = [];
    const ended = await forEachConcurrent(numbers(20), 3, () => false, async (n) => {
      max = Math.max(max, ++inFlight);
      await sleep(2);
      seen.push(n);
      inFlight--;
    });
    expect(ended).to.equal(true);
    expect(max).to.equal(3);
    expect(seen.sort((a, b) => a - b)).to.deep.equal([...Array(20).keys()]);
  });

  it('stops pulling when told, and says the iterable did not end', async () => {
    let taken = 0;
    const ended = await forEachConcurrent(numbers(100), 2, () => taken >= 5, async () => void taken++);
    expect(ended).to.equal(false);
    expect(taken).to.equal(5);
  });

  it('on the first failure tells onFailure at once, lets the calls in flight finish, pulls no more, and throws that failure', async () => {
    const failures: unknown[] = [];
    let finished = 0;
    let started = 0;
    let err: unknown;
    try {
      await forEachConcurrent(numbers(50), 4, () => false, async (n) => {
        started++;
        if (n === 2) throw new Error('first');
        if (n === 3) {
          await sleep(5);
          throw new Error('second');
        }
        await sleep(10);
        finished++;
      }, (e) => failures.push(e));
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.equal('first');
    expect(failures.map((e) => (e as Error).message)).to.deep.equal(['first']);
    expect(started).to.be.at.most(5);
    expect(finished).to.equal(started - 2);
  });

  it('treats a failing iterable like a failing call', async () => {
    async function* broken(): AsyncGenerator<number> {
      yield 1;
      throw new Error('page failed');
    }
    const failures: unknown[] = [];
    let err: unknown;
    try {
      await forEachConcurrent(broken(), 2, () => false, async () => void (await sleep(5)), (e) => failures.push(e));
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.equal('page failed');
    expect(failures).to.have.length(1);
  });
});
