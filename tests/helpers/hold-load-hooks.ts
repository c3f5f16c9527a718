/** Module hooks for hold-load.ts (they run on node's hooks thread). */
import { writeFileSync } from 'node:fs';

let marker: string | undefined;

export function initialize(data: { marker?: string }): void {
  marker = data.marker;
}

export async function load(url: string, context: unknown, nextLoad: (url: string, context: unknown) => Promise<unknown>): Promise<unknown> {
  if (marker && url.endsWith('/src/component.js')) {
    writeFileSync(marker, 'loading');
    await new Promise(() => {});
  }
  return nextLoad(url, context);
}
