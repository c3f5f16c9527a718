import assert from 'node:assert/strict';
import { IdSet } from '../../src/util/id-set.js';

/** A small seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('IdSet', () => {
  it('holds exactly the ids a Set<string> holds, with their tags, for every kind of id', () => {
    const r = rng(7);
    const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
    const kinds = [
      () => hex(24), // contacts, companies
      () => String(Math.floor(r() * 1e15)), // conversations
      () => hex(1 + Math.floor(r() * 7)), // odd and even, short: "0" and "00" must differ
      () => hex(24).toUpperCase(),
      () => `ü${hex(4)}`,
      () => ['\ud800', '\udc00', '\ufffd'][Math.floor(r() * 3)] + hex(1), // lone surrogates stay apart
      () => 'é'.repeat(120 + Math.floor(r() * 20)), // about where UTF-16 text stops packing
      () => `${hex(3)}-${hex(3)}`,
      () => 'x'.repeat(250 + Math.floor(r() * 20)) + hex(2), // past what packs: kept aside
      () => hex(500 + Math.floor(r() * 20)),
    ];
    const ids = new IdSet();
    const truth = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const id = kinds[i % kinds.length]();
      const tag = Math.floor(r() * 256);
      assert.equal(ids.add(id, tag), !truth.has(id), id);
      if (!truth.has(id)) truth.set(id, tag);
    }
    for (const id of ['', '0', '00', '000', 'a', '0a', 'A']) {
      assert.equal(ids.add(id, 1), !truth.has(id), id);
      if (!truth.has(id)) truth.set(id, 1);
    }
    assert.equal(ids.size, truth.size);
    for (const [id, tag] of truth) {
      assert.ok(ids.has(id), id);
      assert.equal(ids.get(id), tag, id);
    }
    for (let i = 0; i < 2_000; i++) {
      const id = kinds[i % kinds.length]() + 'q';
      assert.equal(ids.has(id), truth.has(id), id);
      assert.equal(ids.get(id), truth.get(id), id);
    }
    assert.deepEqual([...ids].sort(), [...truth.keys()].sort());
  });

  it('refuses a tag outside 0–255', () => {
    assert.throws(() => new IdSet().add('a', 256), RangeError);
    assert.throws(() => new IdSet().add('a', -1), RangeError);
  });

  it('keeps the first tag of an id added twice', () => {
    const ids = new IdSet();
    assert.equal(ids.add('6f1a', 3), true);
    assert.equal(ids.add('6f1a', 9), false);
    assert.equal(ids.get('6f1a'), 3);
    assert.equal(ids.get('6f1b'), undefined);
  });

  it('holds a million contact ids in under 40 bytes each', () => {
    const make = (i: number) => `5f0c${i.toString(16).padStart(20, '0')}`;
    const ids = new IdSet();
    for (let i = 0; i < 1_000_000; i++) ids.add(make(i), i & 1);
    const bytes = ids.bytes;
    assert.equal(ids.size, 1_000_000);
    assert.ok(ids.has(make(999_999)) && !ids.has(make(1_000_000)));
    // 16 bytes an entry in the arena (growing by half: up to 24) and 4 to 8 for its slot: under 40.
    assert.ok(bytes / 1e6 < 40, `${(bytes / 1e6).toFixed(1)} bytes an id`);
  });
});
