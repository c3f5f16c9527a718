/**
 * One run of the component in its own process, so its peak memory is its own (the simulator lives in the
 * benchmark's process): `node dist/bench/child.js <dataDir>` prints `{"code":…,"seconds":…,"maxRssMb":…}` on its last line.
 */
import { runComponent } from '../src/component.js';
import { setQuiet } from '../src/log.js';

const dataDir = process.argv[2];
setQuiet(true);
// Node's own start is not the extractor's time.
const started = process.hrtime.bigint();
// BENCH_BURST: the pacer's burst (src/intercom/pacer.ts BURST), to compare pacing policies.
const burst = process.env.BENCH_BURST === undefined ? {} : { client: { burst: Number(process.env.BENCH_BURST) } };
const code = await runComponent(dataDir, { extract: { progressIntervalMs: 3_600_000 }, ...burst });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
setQuiet(false);
process.stdout.write(`${JSON.stringify({ code, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exitCode = code;
