import { expect } from 'chai';
import type { RunEvent } from '../../src/events.js';

type Like = Partial<Record<string, unknown>> & { kind: RunEvent['kind'] };

/** The run's events that have every field `like` names, with the same values. */
export function eventsLike(events: RunEvent[], like: Like): RunEvent[] {
  return events.filter((e) => Object.entries(like).every(([k, v]) => JSON.stringify((e as Record<string, unknown>)[k]) === JSON.stringify(v)));
}

/** Asserts the run had such an event (or, with `none`, had none), naming the events of that kind it had. */
export function expectEvent(run: { events: RunEvent[] }, like: Like, message = '', none = false): void {
  const found = eventsLike(run.events, like);
  const ofKind = run.events.filter((e) => e.kind === like.kind);
  expect(found.length > 0, `${message ? `${message}: ` : ''}${none ? 'no' : 'an'} event like ${JSON.stringify(like)}; the run's ${like.kind} events: ${JSON.stringify(ofKind)}`).to.equal(!none);
}
