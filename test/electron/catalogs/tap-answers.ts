/**
 * Answers shaped like the real services' for the TAP and VSX veto tests,
 * generated from the rows a test needs: GAVO DaCHS (supercosmos.sources,
 * VOTable 1.4 TABLEDATA, per-band detection ids null where a band did not see
 * the source), IRSA TAP (ptf_objects) and VizieR's ASU VOTable (B/vsx/vsx).
 * Column names, datatypes and UCDs as those services publish them.
 */
import { parseVotable } from '../../../electron/catalogs/votable';
import { parseMultipart, type RecordedRequest } from '../../helpers/recorded-server';

type Cell = string | number | null;
interface Field {
  name: string;
  datatype: string;
  ucd: string;
  unit?: string;
  /** DaCHS marks missing integers with a null value. */
  nullValue?: string;
}

const LONG_NULL = '-9223372036854775808';

function td(v: Cell): string {
  return v === null ? '<TD></TD>' : `<TD>${String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</TD>`;
}

function fieldXml(f: Field): string {
  const attrs = `ID="${f.name}" datatype="${f.datatype}"${f.datatype === 'char' ? ' arraysize="*"' : ''} name="${f.name}" ucd="${f.ucd}"${f.unit ? ` unit="${f.unit}"` : ''}`;
  return f.nullValue ? `<FIELD ${attrs}><VALUES null="${f.nullValue}"/></FIELD>` : `<FIELD ${attrs}/>`;
}

function tapDocument(fields: Field[], rows: Cell[][], o: { server: string; status?: 'OK' | 'OVERFLOW'; query: string }): string {
  const status = o.status ?? 'OK';
  const body = rows.map((r) => `<TR>${r.map((v, k) => (v === null && fields[k].nullValue ? td(fields[k].nullValue!) : td(v))).join('')}</TR>`).join('\n');
  return [
    `<?xml version='1.0' encoding='utf-8'?>`,
    `<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ivoa.net/xml/VOTable/v1.3 http://www.ivoa.net/xml/VOTable/v1.3">`,
    `<RESOURCE type="results">`,
    `<INFO name="QUERY_STATUS" value="OK">Query successful</INFO>`,
    `<INFO name="server_software" value="${o.server}"/>`,
    `<INFO name="query" value="${o.query.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"/>`,
    `<TABLE name="result">`,
    ...fields.map(fieldXml),
    `<DATA><TABLEDATA>`,
    body,
    `</TABLEDATA></DATA>`,
    `</TABLE>`,
    // DaCHS repeats the status after the data; OVERFLOW there says MAXREC cut the table.
    `<INFO name="QUERY_STATUS" value="${status}"${status === 'OVERFLOW' ? '>Result truncated at MAXREC</INFO>' : '/>'}`,
    `</RESOURCE>`,
    `</VOTABLE>`,
  ].join('\n');
}

export interface UploadedPosition {
  id: number;
  ra: number;
  dec: number;
}

/** The form fields of a TAP sync request and the positions in its uploaded table. */
export function readTapRequest(req: RecordedRequest): { form: Record<string, { value: string; filename?: string }>; positions: UploadedPosition[]; uploadXml: string } {
  const form = parseMultipart(req);
  const [name, param] = (form.UPLOAD?.value ?? '').split(',');
  const part = param?.startsWith('param:') ? form[param.slice(6)] : undefined;
  if (!name || !part) return { form, positions: [], uploadXml: '' };
  const doc = parseVotable(part.value);
  const t = doc.tables[0];
  const col = (n: string) => t.columns.findIndex((c) => c.name === n);
  const [i, r, d] = [col('vasco_id'), col('vasco_ra'), col('vasco_dec')];
  return { form, uploadXml: part.value, positions: t.rows.map((row) => ({ id: Number(row[i]), ra: Number(row[r]), dec: Number(row[d]) })) };
}

export interface ScosRow {
  uploadId: number;
  raj2000: number;
  dej2000: number;
  /** Per-band detection ids, null when that plate did not see the source. */
  b: number | null;
  r1: number | null;
  r2: number | null;
  i: number | null;
}

/** GAVO DaCHS answer to the SuperCOSMOS upload join. */
export function gavoSupercosmosAnswer(rows: ScosRow[], query: string, status?: 'OK' | 'OVERFLOW'): string {
  const id = (n: string): Field => ({ name: n, datatype: 'long', ucd: 'meta.id', nullValue: LONG_NULL });
  const fields: Field[] = [
    { name: 'vasco_id', datatype: 'long', ucd: 'meta.id;meta.main' },
    { name: 'raj2000', datatype: 'double', ucd: 'pos.eq.ra;meta.main', unit: 'deg' },
    { name: 'dej2000', datatype: 'double', ucd: 'pos.eq.dec;meta.main', unit: 'deg' },
    id('objidb'),
    id('objidr1'),
    id('objidr2'),
    id('objidi'),
  ];
  return tapDocument(fields, rows.map((r) => [r.uploadId, r.raj2000, r.dej2000, r.b, r.r1, r.r2, r.i]), { server: 'DaCHS/2.10 twistedWeb/22.4.0', query, status });
}

export interface PtfRow {
  uploadId: number;
  oid: number;
  ra: number;
  dec: number;
  ngoodobs: number;
}

/** IRSA TAP answer to the ptf_objects upload join. */
export function irsaPtfAnswer(rows: PtfRow[], query: string): string {
  const fields: Field[] = [
    { name: 'vasco_id', datatype: 'long', ucd: 'meta.id' },
    { name: 'oid', datatype: 'long', ucd: 'meta.id;meta.main' },
    { name: 'ra', datatype: 'double', ucd: 'pos.eq.ra;meta.main', unit: 'deg' },
    { name: 'dec', datatype: 'double', ucd: 'pos.eq.dec;meta.main', unit: 'deg' },
    { name: 'ngoodobs', datatype: 'int', ucd: 'meta.number' },
  ];
  return tapDocument(fields, rows.map((r) => [r.uploadId, r.oid, r.ra, r.dec, r.ngoodobs]), { server: 'IRSA TAP', query });
}

export interface VsxRow {
  Name: string;
  RAJ2000: number;
  DEJ2000: number;
  max: number;
}

/** VizieR's ASU VOTable answer to a B/vsx/vsx cone (the columns asked for with -out). */
export function vizierVsxAnswer(rows: VsxRow[]): string {
  const body = rows.map((r) => `<TR><TD>${r.RAJ2000.toFixed(6)}</TD><TD>${r.DEJ2000.toFixed(6)}</TD><TD>${r.Name}</TD><TD>${r.max.toFixed(3)}</TD></TR>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<VOTABLE version="1.4" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns="http://www.ivoa.net/xml/VOTable/v1.3"
  xsi:schemaLocation="http://www.ivoa.net/xml/VOTable/v1.3 http://www.ivoa.net/xml/VOTable/v1.3">
 <DESCRIPTION>
   VizieR Astronomical Server vizier.cds.unistra.fr
 </DESCRIPTION>
<INFO ID="VERSION" name="votable-version" value="1.99+ (14-Oct-2013)"/>
<INFO ID="Ref" name="-ref" value="VIZ65f1c0f3a1b2"/>
<INFO name="MaxTuples" value="200000" />
<RESOURCE ID="yCat_1" name="B/vsx">
  <DESCRIPTION>AAVSO International Variable Star Index VSX (Watson+, 2006-2014)</DESCRIPTION>
  <COOSYS ID="H_2000.000" system="ICRS" epoch="2000.0"/>
  <TABLE ID="B_vsx_vsx" name="B/vsx/vsx">
    <DESCRIPTION>Variable Star indeX</DESCRIPTION>
    <FIELD name="RAJ2000" ucd="pos.eq.ra;meta.main" ref="H_2000.000" datatype="double" width="9" precision="5" unit="deg"/>
    <FIELD name="DEJ2000" ucd="pos.eq.dec;meta.main" ref="H_2000.000" datatype="double" width="9" precision="5" unit="deg"/>
    <FIELD name="Name" ucd="meta.id;meta.main" datatype="char" arraysize="30*"/>
    <FIELD name="max" ucd="phot.mag;stat.max" datatype="double" width="6" precision="3" unit="mag"/>
<DATA><TABLEDATA>
${body}
</TABLEDATA></DATA>
</TABLE>
<INFO name="matches" value="${rows.length}">matching records</INFO>
<INFO name="QUERY_STATUS" value="OK"/>
</RESOURCE>
</VOTABLE>
`;
}
