/**
 * Which Intercom host a configuration talks to, what to check when it cannot be reached, and the region a workspace
 * is in as Intercom's GET /me names it.
 */
import { REGIONS, type RunConfig } from './keboola/config.js';
import type { Region } from './generated/config.js';

export type Hosts = Record<Region, string>;

/** How a line names each region. */
export const REGION_NAMES: Record<Region, string> = { us: 'the US', eu: 'Europe', au: 'Australia' };

/**
 * The configuration's host: parameters.api_base_url, or its region's. `regional`: the region's own host (no other
 * named), which testConnection may swap for another region's. `hosts` stands in for the regions' hosts in tests.
 */
export function hostOf(cfg: Pick<RunConfig, 'region' | 'baseUrl'>, hosts: Hosts = REGIONS): { baseUrl: string; regional: boolean } {
  const regional = cfg.baseUrl === REGIONS[cfg.region];
  return { baseUrl: regional ? hosts[cfg.region] : cfg.baseUrl, regional };
}

/**
 * What to check when the host never answers. The region's own host is up as a rule: what stands between is the
 * network, a proxy or a firewall. A host the user named may simply be wrong.
 */
export function unreachableHint(cfg: Pick<RunConfig, 'region'>, regional: boolean): string {
  if (!regional) return 'check parameters.api_base_url (without it, the host of parameters.region is used).';
  return `it is the host of parameters.region "${cfg.region}", so check the network where the component runs, and any proxy or firewall between it and Intercom.`;
}

/**
 * GET /me's app.region as a region key: Intercom names the region in words ("US", "Europe", "Australia"; the spec's
 * example has "US"), not by our keys. Undefined for a name not known here.
 */
export function regionNamed(word: unknown): Region | undefined {
  if (typeof word !== 'string') return undefined;
  const w = word.trim().toLowerCase();
  if (['us', 'usa', 'united states'].includes(w)) return 'us';
  if (['eu', 'europe', 'european union'].includes(w)) return 'eu';
  if (['au', 'australia'].includes(w)) return 'au';
  return undefined;
}
