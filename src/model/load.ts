/**
 * How storage must load a table so it ends as a full run would leave it: the one word planning and the platform
 * side share (src/incremental/load.ts decides it; src/keboola/manifest.ts writes it as a manifest).
 * - `replace`: the table read whole this run replaces storage's, so deleted records go too;
 * - `merge`: rows are upserted by primary key, after storage's rows whose `deleteBy` column holds one of its values
 *   are deleted (the child rows of every record written this run, and the rows of deleted ones), and those whose
 *   `alsoDelete` column does (rows naming a tag or company deleted since the last run).
 */
export type Load = { mode: 'replace' } | { mode: 'merge'; deleteBy?: { column: string; values: string[] }; alsoDelete?: { column: string; values: string[] } };
