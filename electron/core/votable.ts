/**
 * A small VOTable 1.4 writer (TABLEDATA serialization): one RESOURCE, one
 * TABLE, INFO lines for provenance, FIELDs with units and UCDs. VOTable 1.4
 * keeps the v1.3 XML namespace (IVOA Recommendation 2019-10-21, section 1).
 */

export interface VoField {
  name: string;
  datatype: 'double' | 'int' | 'long' | 'char';
  unit?: string;
  ucd?: string;
  description?: string;
  /** Position columns point at the COOSYS. */
  coosys?: boolean;
}

export interface VoTableInput {
  resourceName: string;
  tableName: string;
  description: string;
  /** Provenance as INFO name/value pairs, in order. */
  infos: { name: string; value: string }[];
  /** Coordinate system of the position columns. */
  coosys: { id: string; system: 'ICRS' };
  fields: VoField[];
  rows: Iterable<(string | number | null)[]>;
}

/** XML text: escape markup and drop characters XML 1.0 cannot carry. */
export function xmlText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

function cell(field: VoField, v: string | number | null): string {
  if (v === null || v === undefined) return '<TD/>';
  if (field.datatype === 'double') return Number.isFinite(v) ? `<TD>${String(v)}</TD>` : '<TD>NaN</TD>';
  if (field.datatype === 'int' || field.datatype === 'long') {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`VOTable: ${field.name} needs an integer, got ${v}`);
    return `<TD>${v}</TD>`;
  }
  const s = String(v);
  return s === '' ? '<TD/>' : `<TD>${xmlText(s)}</TD>`;
}

export function formatVoTable(t: VoTableInput): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
      ' xsi:schemaLocation="http://www.ivoa.net/xml/VOTable/v1.3 http://www.ivoa.net/xml/VOTable/v1.3">',
  );
  out.push(`<RESOURCE name="${attr(t.resourceName)}" type="results">`);
  out.push(`<DESCRIPTION>${xmlText(t.description)}</DESCRIPTION>`);
  for (const i of t.infos) out.push(`<INFO name="${attr(i.name)}" value="${attr(i.value)}"/>`);
  out.push(`<COOSYS ID="${attr(t.coosys.id)}" system="${t.coosys.system}"/>`);
  let nrows = 0;
  const body: string[] = [];
  for (const row of t.rows) {
    if (row.length !== t.fields.length) throw new Error(`VOTable: a row has ${row.length} cells for ${t.fields.length} fields`);
    body.push(`<TR>${row.map((v, k) => cell(t.fields[k], v)).join('')}</TR>`);
    nrows++;
  }
  out.push(`<TABLE name="${attr(t.tableName)}" nrows="${nrows}">`);
  for (const f of t.fields) {
    const attrs = [`name="${attr(f.name)}"`, `datatype="${f.datatype}"`];
    if (f.datatype === 'char') attrs.push('arraysize="*"');
    if (f.unit) attrs.push(`unit="${attr(f.unit)}"`);
    if (f.ucd) attrs.push(`ucd="${attr(f.ucd)}"`);
    if (f.coosys) attrs.push(`ref="${attr(t.coosys.id)}"`);
    out.push(f.description ? `<FIELD ${attrs.join(' ')}><DESCRIPTION>${xmlText(f.description)}</DESCRIPTION></FIELD>` : `<FIELD ${attrs.join(' ')}/>`);
  }
  out.push('<DATA><TABLEDATA>');
  out.push(...body);
  out.push('</TABLEDATA></DATA>');
  out.push('</TABLE>');
  out.push('</RESOURCE>');
  out.push('</VOTABLE>');
  return out.join('\n') + '\n';
}
