// `npm run soak`: runs many random schedules of runs (tests/helpers/schedule.ts), the suite's schedule test at
// length, and prints each failing seed with its schedule. `npm run soak -- 300 [seed]` runs 300 from that seed
// (default: the time). `npm run soak -- replay '<schedule JSON>'` runs one schedule and prints every run's log.
import fc from 'fast-check';
import { runSchedule, scheduleArbitrary, type Schedule } from '../tests/helpers/schedule.js';

const [first, second] = process.argv.slice(2);
if (first === 'replay') {
  const schedule = JSON.parse(second) as Schedule;
  try {
    const { runs } = await runSchedule(schedule, (text) => process.stdout.write(`${text}\n`));
    process.stdout.write(`The schedule ends with storage equal to a fresh full read (${runs.length} runs).\n`);
  } catch (e) {
    process.stdout.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  }
} else {
  const count = Number(first) || 300;
  const seed = Number(second) || Date.now() % 1_000_000_007;
  const started = Date.now();
  let done = 0;
  let failed = 0;
  await fc.check(
    fc.asyncProperty(scheduleArbitrary(), async (schedule) => {
      try {
        await runSchedule(schedule);
      } catch (e) {
        failed++;
        process.stdout.write(`FAILED (seed ${seed}, schedule ${done + 1}): ${JSON.stringify(schedule)}\n${(e as Error).message}\n\n`);
      }
      done++;
      if (done % 10 === 0) process.stdout.write(`${done} schedules, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      return true;
    }),
    { seed, numRuns: count },
  );
  process.stdout.write(`Soak from seed ${seed}: ${done} schedules, ${failed} failed, in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}
