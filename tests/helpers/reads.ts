import type { Findings, ListRead, Plan, ReadProgress } from '../../src/incremental/read.js';
import { readers } from '../../src/resources/index.js';

/** The search margin every searchable reader declares today (Reader.search.margin): the tests' plans carry it. */
export const MARGIN = readers.contacts.search!.margin;

const FINDINGS: ReadonlyArray<keyof Findings> = ['deleted', 'deletedFrom', 'deletionsKnown', 'moved', 'keep', 'sketch', 'readWhole'];

type PlanInput = Plan extends infer P ? (P extends Plan ? Omit<P, 'margin'> & { margin?: number } : never) : never;

/**
 * A list's read for the planning tests: a plan (its margin MARGIN unless given), and the progress and findings as one
 * flat object, split into the two (a read complete and reached, with no ids, unless said otherwise).
 */
export function readOf(plan: PlanInput, flat: Partial<ReadProgress & Findings> = {}): ListRead {
  const progress: ReadProgress = { complete: true, reached: true, ids: new Set<string>() };
  const found: Findings = {};
  for (const [k, v] of Object.entries(flat)) {
    if ((FINDINGS as string[]).includes(k)) (found as Record<string, unknown>)[k] = v;
    else (progress as unknown as Record<string, unknown>)[k] = v;
  }
  return { plan: { margin: MARGIN, ...plan } as Plan, progress, found };
}
