/**
 * Keeps a long run visibly alive: every few seconds, one line for the resource being read
 * (objects read, requests, request rate, time spent waiting for the rate limit).
 */
import { log } from './log.js';
import type { IntercomClient } from './intercom/client.js';

export class Progress {
  private resource = '';
  private read = 0;
  private startedAt = Date.now();
  private requestsAtStart = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: IntercomClient,
    private readonly intervalMs: number,
  ) {}

  begin(resource: string): void {
    this.end();
    this.resource = resource;
    this.read = 0;
    this.startedAt = Date.now();
    this.requestsAtStart = this.client.stats.requests;
    log.info(`Reading ${resource}…`);
    this.timer = setInterval(() => log.info(this.line()), this.intervalMs);
    this.timer.unref();
  }

  count(): void {
    this.read++;
  }

  end(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    log.info(`${this.line()} (done)`);
  }

  private line(): string {
    const secs = Math.max((Date.now() - this.startedAt) / 1000, 0.001);
    const requests = this.client.stats.requests - this.requestsAtStart;
    return `${this.resource}: ${fmt(this.read)} objects read, ${fmt(requests)} requests in ${secs.toFixed(1)} s (${(requests / secs).toFixed(1)}/s), ${(this.client.pacer.waitedMs / 1000).toFixed(1)} s waited for the rate limit so far`;
  }
}

export const fmt = (n: number) => n.toLocaleString('en-US');
