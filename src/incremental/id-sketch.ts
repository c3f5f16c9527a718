/**
 * A fixed-size fingerprint of a set of record ids from which the difference between two runs can be read back:
 * an Invertible Bloom Lookup Table (IBLT).
 *
 * Intercom has no feed of deleted records, so finding them means comparing this run's ids with the last run's.
 * Keeping the last run's ids themselves in the state file costs megabytes on a workspace of millions; this sketch
 * costs 24 bytes a cell and a few thousand cells at most, whatever the list's size. Each run adds every id it saw
 * to a sketch and stores it; the next run subtracts the stored sketch from its own, and the ids present on only
 * one side fall out of the peeling below: `removed` are the deleted records, `added` the new ones. The cost of
 * that comparison depends on the size of the difference, not of the list; when the difference is too big for the
 * sketch, decode() says so (undefined) instead of guessing, and the caller falls back to a full comparison.
 * Sketches subtract only at the same size: build this run's with the stored sketch's `cells`, and pick a new size
 * (cellsFor) only when there is nothing stored to compare with.
 *
 * Each (id, tag) is packed into a reversible 16-byte key (see encodeKey) and lands in 3 cells, one in each third
 * of the table. A cell keeps how many keys landed in it (count), their XOR (keySum) and the XOR of a checksum of
 * each key (hashSum). A cell whose count is ±1, whose keySum has the checksum in hashSum, is a valid key and hashes
 * to that very cell holds exactly one key, which can be read off and taken out of its other two cells, which may
 * in turn be left holding just one key, and so on.
 */

export interface TaggedId {
  id: string;
  tag: number;
}

export class IdSketch {
  readonly cells: number;
  private readonly counts: Int32Array;
  /** Four little-endian words of key bytes per cell. */
  private readonly keys: Uint32Array;
  private readonly checks: Uint32Array;

  /** `cells`: how many cells (rounded up to a multiple of 3; at least 3). */
  constructor(cells: number) {
    if (!Number.isFinite(cells) || cells < 0 || cells > MAX_CELLS) throw new RangeError(`IdSketch cells ${cells} is not 0–${MAX_CELLS}`);
    this.cells = Math.max(3, Math.ceil(cells / 3) * 3);
    this.counts = new Int32Array(this.cells);
    this.keys = new Uint32Array(this.cells * 4);
    this.checks = new Uint32Array(this.cells);
  }

  /**
   * A size for a set of about `n` ids: about n/64 cells, rounded up to a tier (384, 768, … 6,144 doubling, then
   * 8,190, the largest multiple of 3 within 8,192, for anything above 393,216 ids). From 3,072 cells up that decodes
   * a change of about 1% of the list between runs (maxDifference = cells / 1.5 ≈ n / 96); below, the floor of 384
   * cells (12 KB of text) still tells apart 102 deletions, so a small workspace's ordinary churn never forces a
   * full read. The cap keeps a stored
   * sketch under 200 KB raw (262,088 characters of text) however long the list: past ~550K ids less than 1% change
   * decodes, and the caller falls back. Tiers rather than n/64 exactly so that two runs of a list whose size moved a
   * little get sketches of the same size, which minus() needs.
   */
  static cellsFor(n: number): number {
    const want = Number.isFinite(n) && n > 0 ? Math.ceil(n / 64) : 0;
    let cells = MIN_TIER;
    while (cells < want && cells * 2 <= MAX_TIER) cells *= 2;
    return cells < want ? CAP : cells;
  }

  /**
   * Differences a sketch of that size decodes with high probability: in measured trials, peeling failed in about
   * 1 case in 400 or fewer at this many differences (decode() then returns undefined; it does not guess). Two
   * limits meet here. Peeling with 3 hashes stalls once the differences pass about cells / 1.22, so big sketches
   * are held to cells / 1.5. And two keys that land in the same three cells can never be peeled apart, which
   * happens with probability about d²·27 / (2·cells³): that is what limits small sketches, and d ≤ √(cells³ / 5,400)
   * keeps it near 0.25%. So 96 cells → 12, 384 → 102, 1,536 → 819, 3,072 and up → cells / 1.5.
   */
  static maxDifference(cells: number): number {
    const m = Math.max(3, Math.ceil(cells / 3) * 3);
    return Math.max(1, Math.floor(Math.min(m / 1.5, Math.sqrt((m * m * m) / 5400))));
  }

  /** Whether an id can be held: lowercase hex or decimal digits up to 28 characters, else up to 14 bytes of UTF-8. */
  static encodable(id: string): boolean {
    return typeof id === 'string' && encodeKey(id, 0);
  }

  /** Adds one (id, tag); tag 0..255. Returns false (and adds nothing) if the id cannot be encoded. Adding the same pair twice counts twice (callers dedupe). */
  add(id: string, tag = 0): boolean {
    return this.apply(id, tag, 1);
  }

  /** Removes one (id, tag) (count -1, same XORs). */
  remove(id: string, tag = 0): boolean {
    return this.apply(id, tag, -1);
  }

  /** this − other, cell by cell; throws if the sizes differ. Neither operand changes. */
  minus(other: IdSketch): IdSketch {
    if (other.cells !== this.cells) throw new RangeError(`IdSketch sizes differ: ${this.cells} cells and ${other.cells}`);
    const out = new IdSketch(this.cells);
    for (let i = 0; i < this.cells; i++) {
      out.counts[i] = this.counts[i] - other.counts[i];
      out.checks[i] = this.checks[i] ^ other.checks[i];
    }
    for (let i = 0; i < this.keys.length; i++) out.keys[i] = this.keys[i] ^ other.keys[i];
    return out;
  }

  /**
   * Peels the sketch: pairs with count +1 are `added` (in this, not in the subtrahend), -1 `removed`. undefined if it
   * cannot be fully peeled (too many differences) or a pure cell decodes to an invalid key (corrupt). Does not
   * change this sketch (work on a copy).
   */
  decode(): { added: TaggedId[]; removed: TaggedId[] } | undefined {
    const counts = this.counts.slice();
    const keys = this.keys.slice();
    const checks = this.checks.slice();
    const third = this.cells / 3;
    const added: TaggedId[] = [];
    const removed: TaggedId[] = [];
    const at = [0, 0, 0];

    /** The key a cell holds alone, or undefined. Every test a lone key passes, so a mix of keys is not taken for one. */
    const pure = (i: number): TaggedId | undefined => {
      const c = counts[i];
      if (c !== 1 && c !== -1) return undefined;
      const w0 = keys[i * 4], w1 = keys[i * 4 + 1], w2 = keys[i * 4 + 2], w3 = keys[i * 4 + 3];
      if (hash(w0, w1, w2, w3, SEED_CHECK) !== checks[i]) return undefined;
      const part = Math.floor(i / third);
      if (part * third + slot(hash(w0, w1, w2, w3, SEEDS[part]), third) !== i) return undefined;
      return decodeKey(w0, w1, w2, w3);
    };

    const queue: number[] = [];
    for (let i = 0; i < this.cells; i++) if (pure(i)) queue.push(i);
    // Each true peel empties a cell for good, so more peels than cells means the "pure" cells were mixtures.
    let peels = 0;
    while (queue.length > 0) {
      const i = queue.pop()!;
      const pair = pure(i); // the cell may have changed since it was queued
      if (!pair) continue;
      if (++peels > this.cells) return undefined;
      const c = counts[i];
      (c === 1 ? added : removed).push(pair);
      const w0 = keys[i * 4], w1 = keys[i * 4 + 1], w2 = keys[i * 4 + 2], w3 = keys[i * 4 + 3];
      const check = checks[i];
      positions(w0, w1, w2, w3, third, at);
      for (const j of at) {
        counts[j] -= c;
        keys[j * 4] ^= w0;
        keys[j * 4 + 1] ^= w1;
        keys[j * 4 + 2] ^= w2;
        keys[j * 4 + 3] ^= w3;
        checks[j] ^= check;
        if (j !== i && pure(j)) queue.push(j);
      }
    }
    for (let i = 0; i < this.cells; i++) if (counts[i] !== 0 || checks[i] !== 0) return undefined;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) return undefined;
    return { added, removed };
  }

  /** Compact text for a JSON state file: "s1:<cells>:<base64 of 24 little-endian bytes a cell>". */
  toString(): string {
    const bytes = new Uint8Array(this.cells * CELL_BYTES);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < this.cells; i++) {
      const o = i * CELL_BYTES;
      view.setInt32(o, this.counts[i], true);
      for (let w = 0; w < 4; w++) view.setUint32(o + 4 + w * 4, this.keys[i * 4 + w], true);
      view.setUint32(o + 20, this.checks[i], true);
    }
    return `${PREFIX}${this.cells}:${Buffer.from(bytes.buffer).toString('base64')}`;
  }

  /** Parses toString's text; undefined for anything malformed (wrong prefix, wrong length, bad base64, cells not a multiple of 3). Never throws. */
  static parse(text: unknown): IdSketch | undefined {
    if (typeof text !== 'string') return undefined;
    const m = /^s1:([1-9][0-9]{0,8}):([A-Za-z0-9+/]*)$/.exec(text);
    if (!m) return undefined;
    const cells = Number(m[1]);
    // 24 bytes a cell is a whole number of base64 quanta: exactly 32 characters a cell, never any padding.
    if (cells % 3 !== 0 || cells > MAX_CELLS || m[2].length !== cells * 32) return undefined;
    const bytes = Buffer.from(m[2], 'base64');
    if (bytes.length !== cells * CELL_BYTES) return undefined;
    const sketch = new IdSketch(cells);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < cells; i++) {
      const o = i * CELL_BYTES;
      sketch.counts[i] = view.getInt32(o, true);
      for (let w = 0; w < 4; w++) sketch.keys[i * 4 + w] = view.getUint32(o + 4 + w * 4, true);
      sketch.checks[i] = view.getUint32(o + 20, true);
    }
    return sketch;
  }

  private apply(id: string, tag: number, delta: 1 | -1): boolean {
    if (!Number.isInteger(tag) || tag < 0 || tag > 255) throw new RangeError(`IdSketch tag ${tag} is not 0–255`);
    if (typeof id !== 'string' || !encodeKey(id, tag)) return false;
    const w0 = word(0), w1 = word(4), w2 = word(8), w3 = word(12);
    const check = hash(w0, w1, w2, w3, SEED_CHECK);
    const at = SCRATCH_AT;
    positions(w0, w1, w2, w3, this.cells / 3, at);
    for (const j of at) {
      this.counts[j] += delta;
      this.keys[j * 4] ^= w0;
      this.keys[j * 4 + 1] ^= w1;
      this.keys[j * 4 + 2] ^= w2;
      this.keys[j * 4 + 3] ^= w3;
      this.checks[j] ^= check;
    }
    return true;
  }
}

const PREFIX = 's1:';
const CELL_BYTES = 24;
const MIN_TIER = 384;
const MAX_TIER = 6144;
const CAP = 8190;
/** Far above anything cellsFor picks; keeps a bad argument from allocating gigabytes. */
const MAX_CELLS = 3 * 2 ** 22;
/** Fixed forever: a sketch stored by one run is compared with one built by a later run, maybe on another machine. */
const SEEDS = [0x9747b28c, 0x2f0e1eb5, 0x5bd1e995];
const SEED_CHECK = 0x3c6ef372;

const KIND_DECIMAL = 1;
const KIND_HEX = 2;
const KIND_UTF8 = 3;
const MAX_DIGITS = 28;
const MAX_UTF8 = 14;

/** The key being added: [tag][kind << 6 | length][14 bytes of payload, zero padded]. */
const KEY = new Uint8Array(16);
const SCRATCH_AT = [0, 0, 0];
const utf8Encoder = new TextEncoder();
// fatal: invalid UTF-8 is a corrupt key, not U+FFFD; ignoreBOM: a leading U+FEFF is part of the id.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Packs (id, tag) into KEY; false when the id cannot be held. One encoding per string, chosen in this order so it is
 * canonical: digits as decimal (4 bits a digit, so "007" stays "007"), lowercase hex as hex (4 bits a character;
 * the length counts characters, so odd lengths are exact too), else UTF-8. Lone surrogates have no UTF-8 form
 * (they would come back as U+FFFD), so such ids are refused.
 */
function encodeKey(id: string, tag: number): boolean {
  const n = id.length;
  if (n === 0) return false;
  KEY.fill(0);
  KEY[0] = tag;
  if (n <= MAX_DIGITS) {
    let digits = true;
    let hex = true;
    for (let i = 0; i < n && hex; i++) {
      const c = id.charCodeAt(i);
      if (c < 0x30 || c > 0x39) {
        digits = false;
        if (c < 0x61 || c > 0x66) hex = false;
      }
    }
    if (hex) {
      KEY[1] = ((digits ? KIND_DECIMAL : KIND_HEX) << 6) | n;
      for (let i = 0; i < n; i++) {
        const c = id.charCodeAt(i);
        const v = c <= 0x39 ? c - 0x30 : c - 0x61 + 10;
        KEY[2 + (i >> 1)] |= i & 1 ? v : v << 4;
      }
      return true;
    }
  }
  if (n > MAX_UTF8 || LONE_SURROGATE.test(id)) return false;
  const { read, written } = utf8Encoder.encodeInto(id, KEY.subarray(2));
  if (read !== n) return false; // longer than 14 bytes
  KEY[1] = (KIND_UTF8 << 6) | written;
  return true;
}

const LONE_SURROGATE = /[\ud800-\udfff]/u; // with the u flag, only surrogates not in a pair match

/**
 * The (id, tag) a key holds, or undefined when the key is not one encodeKey could have made: wrong kind or length,
 * bad digits or UTF-8, non-zero padding, or an encoding other than the id's canonical one. Re-encoding and
 * comparing checks all of that at once.
 */
function decodeKey(w0: number, w1: number, w2: number, w3: number): TaggedId | undefined {
  const bytes = new Uint8Array(16);
  const words = [w0, w1, w2, w3];
  for (let i = 0; i < 16; i++) bytes[i] = (words[i >> 2] >>> ((i & 3) * 8)) & 0xff;
  const kind = bytes[1] >> 6;
  const n = bytes[1] & 0x3f;
  let id: string;
  if (kind === KIND_DECIMAL || kind === KIND_HEX) {
    if (n > MAX_DIGITS) return undefined;
    id = '';
    for (let i = 0; i < n; i++) {
      const v = i & 1 ? bytes[2 + (i >> 1)] & 0xf : bytes[2 + (i >> 1)] >> 4;
      if (kind === KIND_DECIMAL && v > 9) return undefined;
      id += v.toString(16);
    }
  } else if (kind === KIND_UTF8) {
    if (n > MAX_UTF8) return undefined;
    try {
      id = utf8Decoder.decode(bytes.subarray(2, 2 + n));
    } catch {
      return undefined;
    }
  } else {
    return undefined;
  }
  const tag = bytes[0];
  if (!encodeKey(id, tag)) return undefined;
  for (let i = 0; i < 16; i++) if (KEY[i] !== bytes[i]) return undefined;
  return { id, tag };
}

/** The little-endian word at KEY[o…o+3]: the same on every machine, unlike a Uint32Array view. */
function word(o: number): number {
  return (KEY[o] | (KEY[o + 1] << 8) | (KEY[o + 2] << 16) | (KEY[o + 3] << 24)) >>> 0;
}

/** The key's cell in each third of the table. */
function positions(w0: number, w1: number, w2: number, w3: number, third: number, out: number[]): void {
  for (let p = 0; p < 3; p++) out[p] = p * third + slot(hash(w0, w1, w2, w3, SEEDS[p]), third);
}

/** A hash scaled to 0…size−1 (multiply-high rather than modulo: no bias toward low slots). */
function slot(h: number, size: number): number {
  return Math.floor((h * size) / 4294967296);
}

/** MurmurHash3 (x86, 32-bit) of the 16 key bytes given as 4 little-endian words. */
function hash(w0: number, w1: number, w2: number, w3: number, seed: number): number {
  let h = seed;
  h = mix(h, w0);
  h = mix(h, w1);
  h = mix(h, w2);
  h = mix(h, w3);
  h ^= 16;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
