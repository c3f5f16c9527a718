import { constants } from 'node:buffer';

/**
 * A set of record ids (each with a small tag, 0–255) that costs about 30 bytes an id instead of the ~190 of a
 * Set<string>, so the ids a run must remember (to skip a record met twice while pages shift, to know which
 * table a contact went to) stay small on a workspace of millions. Exact: ids are stored, not hashed away.
 *
 * An id is packed before it is stored: lowercase hex and decimal ids (Intercom's contact, company and
 * conversation ids) as two digits a byte; anything else as its UTF-16 code units. All of them live in one growing
 * byte arena, found through an open-addressing table of offsets.
 */
export class IdSet {
  /** Entries: [length][kind][packed bytes…][tag]. */
  // Small to begin with: a run keeps one per detail list it reads (a contact's notes), most of them tiny.
  private arena = Buffer.alloc(256);
  private used = 1; // offset 0 means "empty slot"
  private slots = new Uint32Array(16);
  private count = 0;
  private readonly scratch = Buffer.alloc(258);
  /** Ids too long to pack (none of Intercom's are): kept as they are. */
  private readonly long = new Map<string, number>();

  get size(): number {
    return this.count + this.long.size;
  }

  /** Bytes held (arena and slots; ids too long to pack aside). */
  get bytes(): number {
    return this.arena.length + this.slots.byteLength;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** The tag stored with the id, or undefined when the id is not in the set. */
  get(id: string): number | undefined {
    const n = this.pack(id);
    if (n === 0) return this.long.get(id);
    const at = this.find(n);
    return at === 0 ? undefined : this.arena[at + 2 + this.arena[at]];
  }

  /** Adds the id (keeping the tag of an id already present); true when it was new. */
  add(id: string, tag = 0): boolean {
    if (!Number.isInteger(tag) || tag < 0 || tag > 255) throw new RangeError(`IdSet tag ${tag} is not 0–255`);
    const n = this.pack(id);
    if (n === 0) {
      if (this.long.has(id)) return false;
      this.long.set(id, tag);
      return true;
    }
    if (this.find(n) !== 0) return false;
    if ((this.count + 1) * 4 > this.slots.length * 3) this.grow(); // at most three quarters full
    if (this.used + n + 3 > this.arena.length) {
      const bigger = Buffer.alloc(Math.min(constants.MAX_LENGTH, Math.max(Math.ceil(this.arena.length * 1.5), this.used + n + 3)));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    const at = this.used;
    this.arena[at] = n - 1; // packed bytes after the kind byte
    this.scratch.copy(this.arena, at + 1, 0, n);
    this.arena[at + 1 + n] = tag;
    this.used += n + 2;
    this.place(at, hash(this.scratch, n));
    this.count++;
    return true;
  }

  /** Changes the tag of an id already present; false when it is not. */
  retag(id: string, tag: number): boolean {
    if (!Number.isInteger(tag) || tag < 0 || tag > 255) throw new RangeError(`IdSet tag ${tag} is not 0–255`);
    const n = this.pack(id);
    if (n === 0) {
      if (!this.long.has(id)) return false;
      this.long.set(id, tag);
      return true;
    }
    const at = this.find(n);
    if (at === 0) return false;
    this.arena[at + 2 + this.arena[at]] = tag;
    return true;
  }

  /** Every id (packed ones in the order added, then any too long to pack). */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let at = 1; at < this.used; at += this.arena[at] + 3) yield unpack(this.arena, at + 1, this.arena[at] + 1);
    yield* this.long.keys();
  }

  /** Packs the id into `scratch`; returns its length (kind byte included), or 0 when it is too long to pack. */
  private pack(id: string): number {
    if (id.length <= 2 * 255 - 2 && /^[0-9a-f]+$/.test(id)) {
      const odd = id.length % 2;
      this.scratch[0] = odd ? KIND_HEX_ODD : KIND_HEX;
      const digits = odd ? `0${id}` : id;
      const n = this.scratch.write(digits, 1, 'hex');
      return n + 1;
    }
    // UTF-16 code units as they are: exact for any string, a malformed one included (UTF-8 would merge lone surrogates).
    this.scratch[0] = KIND_TEXT;
    const n = id.length * 2;
    if (n > 254) return 0;
    this.scratch.write(id, 1, 'utf16le');
    return n + 1;
  }

  /** The arena offset of the packed id in `scratch` (length n), or 0. */
  private find(n: number): number {
    const mask = this.slots.length - 1;
    for (let i = hash(this.scratch, n) & mask; ; i = (i + 1) & mask) {
      const at = this.slots[i];
      if (at === 0) return 0;
      if (this.arena[at] === n - 1 && this.arena.compare(this.scratch, 0, n, at + 1, at + 1 + n) === 0) return at;
    }
  }

  private place(at: number, h: number): void {
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = at;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (const at of old) if (at !== 0) this.place(at, hash(this.arena.subarray(at + 1), this.arena[at] + 1));
  }
}

const KIND_TEXT = 0;
const KIND_HEX = 1;
const KIND_HEX_ODD = 2;

function unpack(arena: Buffer, from: number, n: number): string {
  const kind = arena[from];
  const body = arena.subarray(from + 1, from + n);
  if (kind === KIND_TEXT) return body.toString('utf16le');
  const hex = body.toString('hex');
  return kind === KIND_HEX_ODD ? hex.slice(1) : hex;
}

/** FNV-1a over the packed bytes. */
function hash(b: Buffer, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}
