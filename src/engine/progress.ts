/**
 * Keeps a long run visibly alive: every few seconds, one line for the lists being read (objects read from
 * each), the requests and their rate, and the time spent waiting for the rate limit. Lists are read at the
 * same time, so each has its own count.
 */
import { log } from '../log.js';
import type { RequestControl } from './ports.js';

export interface ListProgress {
  count(): void;
  end(): void;
}

export class Progress {
  private readonly active = new Map<string, { read: number; startedAt: number }>();
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly requests: RequestControl,
    private readonly intervalMs: number,
  ) {}

  begin(resource: string): ListProgress {
    const entry = { read: 0, startedAt: Date.now() };
    this.active.set(resource, entry);
    log.info(`Reading ${resource}…`);
    if (!this.timer) {
      this.timer = setInterval(() => log.info(this.line()), this.intervalMs);
      this.timer.unref();
    }
    let ended = false;
    return {
      count: () => void entry.read++,
      end: () => {
        if (ended) return;
        ended = true;
        this.active.delete(resource);
        const secs = Math.max((Date.now() - entry.startedAt) / 1000, 0.001);
        log.info(`${resource}: ${fmt(entry.read)} objects read in ${secs.toFixed(1)} s (done)`);
        if (this.active.size === 0) this.stop();
      },
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private line(): string {
    const secs = Math.max((Date.now() - this.startedAt) / 1000, 0.001);
    const { requests, waitedMs } = this.requests.report();
    const lists = [...this.active].map(([r, e]) => `${r} ${fmt(e.read)}`).join(', ');
    return `Reading ${lists} (objects so far); ${fmt(requests)} requests in ${secs.toFixed(1)} s (${(requests / secs).toFixed(1)}/s), ${(waitedMs / 1000).toFixed(1)} s waited for the rate limit so far`;
  }
}

export const fmt = (n: number) => n.toLocaleString('en-US');
