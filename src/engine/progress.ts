/**
 * Keeps a long run visibly alive: every few seconds, one line for the lists being read (objects read from each, of
 * how many where the list said its size, and the time left at its pace so far), the requests and their rate, and
 * the time spent waiting for the rate limit. Lists are read at the same time, so each has its own count.
 *
 * Time is the requests' clock (a test that moves it moves the pace); only the ticker that prints the line is a real
 * timer, since a pending deadline on a test's clock would hold back every pause.
 */
import { log } from '../log.js';
import { emitEvent } from '../events.js';
import { fmt, plural } from '../util/plural.js';
import type { RequestControl } from './ports.js';

// The counts' format lives with the plural helper; the engine's modules have always imported it from here.
export { fmt } from '../util/plural.js';

export interface ListProgress {
  count(): void;
  /**
   * The list's size, as its reader learned it (its first page), and again whenever the reader corrects it.
   * `approximate`: estimated (from its number of pages), not counted by the API.
   */
  total(n: number, approximate?: boolean): void;
  end(): void;
}

interface Entry {
  read: number;
  startedAt: number;
  total?: number;
  approximate?: boolean;
}

export class Progress {
  private readonly active = new Map<string, Entry>();
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly requests: RequestControl,
    private readonly intervalMs: number,
  ) {
    this.startedAt = requests.clock.now();
  }

  /** `description`: how the read is announced ("contacts changed since …"); progress lines name the list alone. */
  begin(list: string, description = list): ListProgress {
    const entry: Entry = { read: 0, startedAt: this.now() };
    this.active.set(list, entry);
    log.info(`Reading ${description}…`);
    if (!this.timer) {
      this.timer = setInterval(() => log.info(this.status()), this.intervalMs);
      this.timer.unref();
    }
    let ended = false;
    return {
      count: () => void entry.read++,
      total: (n, approximate = false) => Object.assign(entry, { total: Math.max(0, n), approximate }),
      end: () => {
        if (ended) return;
        ended = true;
        this.active.delete(list);
        const secs = Math.max((this.now() - entry.startedAt) / 1000, 0.001);
        log.info(`${list}: ${plural(entry.read, 'object')} read in ${secs.toFixed(1)} s (done)`);
        emitEvent({ kind: 'list_done', list, read: entry.read, ...(entry.total !== undefined ? { total: entry.total } : {}) });
        if (this.active.size === 0) this.stop();
      },
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The line printed every interval: each list being read, then the requests. */
  status(): string {
    const secs = Math.max((this.now() - this.startedAt) / 1000, 0.001);
    const { requests, waitedMs } = this.requests.report();
    const lists = [...this.active].map(([list, e]) => `${list} ${this.describe(e)}`).join(', ');
    return `Read so far: ${lists}; ${plural(requests, 'request')} in ${secs.toFixed(1)} s (${(requests / secs).toFixed(1)}/s), ${(waitedMs / 1000).toFixed(1)} s waited for the rate limit.`;
  }

  /**
   * `1,500 of 12,000 (12%, about 4 min left)`. The percentage stays below 100 until every record the list said it
   * had is read; a list that grew while read shows its first total as approximate, and no more than 100%.
   */
  private describe(e: Entry): string {
    if (e.total === undefined) return fmt(e.read);
    const past = e.read > e.total;
    const percent = e.total === 0 ? 100 : Math.min(100, Math.floor((100 * e.read) / e.total));
    const left = this.timeLeft(e);
    return `${fmt(e.read)} of ${e.approximate || past ? '~' : ''}${fmt(e.total)} (${percent}%${left ? `, ${left}` : ''})`;
  }

  /**
   * The time the rest takes at the list's pace so far, once there is a pace to go by: a first interval's worth of
   * reading, and a record read.
   */
  private timeLeft(e: Entry): string | undefined {
    const elapsed = this.now() - e.startedAt;
    if (e.total === undefined || e.read === 0 || e.read >= e.total || elapsed < this.intervalMs) return undefined;
    return `about ${duration(((e.total - e.read) * elapsed) / e.read)} left`;
  }

  private now(): number {
    return this.requests.clock.now();
  }
}

/** 42 s, 4 min, 1 h 5 min: as precise as an estimate deserves. */
export function duration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}
