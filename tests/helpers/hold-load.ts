/**
 * Preloaded with `node --import` by the signal tests: holds the loading of the component (src/component.js) for
 * good, after writing the file HOLD_LOAD_MARKER, so a test can send a signal while the process is still loading it,
 * the moment before the component's own handlers exist.
 */
import { register } from 'node:module';

register('./hold-load-hooks.js', import.meta.url, { data: { marker: process.env.HOLD_LOAD_MARKER } });
// A load held by the hooks thread leaves the main thread's event loop empty, and node would exit (13: an unsettled
// top-level await) before any signal came; this keeps it alive, as the real loading's file reads do.
setInterval(() => {}, 1 << 30);
