/** A column's type as templates declare it; the platform side maps it to storage's base types (src/keboola/manifest.ts). */
import type { ColumnSpec } from '../generated/template.js';

export type ColumnType = ColumnSpec['type'];
