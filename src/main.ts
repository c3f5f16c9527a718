/**
 * The process's entry point (`node dist/src/main.js`). Loading the component (yargs, axios, the templates) takes a
 * moment, and a SIGTERM in that moment, before the component's own handlers exist, would kill the process without
 * a word, or, for node as PID 1 in a container (the kernel ignores a signal a PID 1 has no handler for), be lost
 * altogether while the run went on. So the first thing the process does is take the signals: one that comes before
 * the run has begun ends the process at once, with one line and exit 1 (nothing was read, nothing written). Only
 * node's own start-up, before any of this code runs, remains (see the README's "What can go wrong").
 */
const early = (sig: NodeJS.Signals) => {
  process.stderr.write(`Stopped by ${sig} before the run began: nothing was read and no state was saved.\n`);
  process.exit(1);
};
process.on('SIGTERM', early);
process.on('SIGINT', early);

const { cli } = await import('./component.js');

// The component's handlers take over in the same turn of the event loop: no signal falls between the two.
process.off('SIGTERM', early);
process.off('SIGINT', early);
await cli();
