/**
 * ECSV 1.0 (astropy's Enhanced Character Separated Values, read by astropy,
 * TOPCAT and STILTS): `# ` header lines holding YAML (column types, units,
 * descriptions, UCDs as column meta, provenance as table meta), then plain
 * comma-separated CSV. Spec: https://github.com/astropy/astropy-APEs/blob/main/APE6.rst
 *
 * Every YAML string is written double-quoted in JSON's escapes (valid YAML),
 * so reviewer text cannot break the header.
 */
import { formatCsv } from '../core/csv';

export interface EcsvColumn {
  name: string;
  datatype: 'double' | 'int' | 'long' | 'char';
  unit?: string;
  ucd?: string;
  description?: string;
}

export interface EcsvInput {
  columns: readonly EcsvColumn[];
  /** Table metadata, in order (astropy reads it into `Table.meta`). */
  meta: [string, string][];
  rows: Iterable<(string | number | null)[]>;
}

const ECSV_TYPES: Record<EcsvColumn['datatype'], string> = { double: 'float64', int: 'int32', long: 'int64', char: 'string' };

const q = (s: string) => JSON.stringify(s);

function columnYaml(c: EcsvColumn): string {
  const parts = [`name: ${q(c.name)}`];
  if (c.unit) parts.push(`unit: ${q(c.unit)}`);
  parts.push(`datatype: ${ECSV_TYPES[c.datatype]}`);
  if (c.description) parts.push(`description: ${q(c.description)}`);
  if (c.ucd) parts.push(`meta: {ucd: ${q(c.ucd)}}`);
  return `- {${parts.join(', ')}}`;
}

export function formatEcsv(t: EcsvInput): string {
  const header = [
    '%ECSV 1.0',
    '---',
    "delimiter: ','",
    'datatype:',
    ...t.columns.map(columnYaml),
    'meta: !!omap',
    ...t.meta.map(([k, v]) => `- {${q(k)}: ${q(v)}}`),
    'schema: astropy-2.0',
  ];
  return formatCsv(
    t.columns.map((c) => c.name),
    t.rows,
    header,
  );
}
