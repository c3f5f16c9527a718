/**
 * Randomized schedules of runs (tests/helpers/schedule.ts), property-based with fast-check: whatever happens over
 * five runs (changes before and during them, faults, a time budget, a version switch, SIGTERM, SIGKILL), after a
 * final clean run storage, a DuckDB database loaded as the platform loads, equals a fresh full read. The suite runs
 * a fixed seed; `npm run soak` runs hundreds more and prints any failing seed with its schedule.
 */
import fc from 'fast-check';
import { expect } from 'chai';
import { runSchedule, scheduleArbitrary, TEMPLATES, type Schedule, type ScheduleResult } from '../helpers/schedule.js';

/** Schedules per run of the suite: each is seven runs of the extractor on a small workspace, about 2 s. */
const SCHEDULES = Number(process.env.SCHEDULES) || 12;

describe('schedules of runs', function () {
  this.timeout(600_000);

  it(`${SCHEDULES} random schedules of five runs each (all four templates, remove and flag) end with storage equal to a fresh full read`, async () => {
    const done: Array<{ schedule: Schedule; result: ScheduleResult }> = [];
    // As many of each template.
    for (const template of TEMPLATES) {
      await fc.assert(
        fc.asyncProperty(scheduleArbitrary([template]), async (schedule) => {
          done.push({ schedule, result: await runSchedule(schedule) });
        }),
        { seed: 20_261_207, numRuns: Math.ceil(SCHEDULES / TEMPLATES.length), endOnFailure: true },
      );
    }
    // The schedules met what they are drawn to meet (else the property would hold for want of trying).
    const runs = done.flatMap((d) => d.result.runs);
    const met = {
      templates: new Set(done.map((d) => d.schedule.template)).size,
      flag: done.filter((d) => d.schedule.deletes === 'flag').length,
      remove: done.filter((d) => d.schedule.deletes === 'remove').length,
      flaggedRows: done.reduce((n, d) => n + d.result.flagged, 0),
      sigterm: runs.filter((r) => r.stopped === 'SIGTERM').length,
      sigkill: runs.filter((r) => r.stopped === 'SIGKILL').length,
      split: runs.filter((r) => r.split).length,
      retried: runs.filter((r) => r.loaded && (r.retried ?? 0) > 0).length,
      switches: done.filter((d) => [...d.schedule.steps.map((s) => s.version), d.schedule.final].some((v) => v !== undefined && v !== d.schedule.start)).length,
      unswitched: done.filter((d) => [...d.schedule.steps.map((s) => s.version), d.schedule.final].every((v) => v === undefined || v === d.schedule.start)).length,
    };
    console.log(`      (${JSON.stringify(met)}; ${runs.length} runs, ${done.reduce((n, d) => n + d.result.requests, 0)} requests)`);
    if (SCHEDULES >= 12) for (const [what, n] of Object.entries(met)) expect(n, what).to.be.at.least(what === 'templates' ? 4 : 1);
  });
});
