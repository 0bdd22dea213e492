/**
 * The formats a catalogue is exported in: their names (the API enum, the CLI's
 * --format, the export dialog), file extensions and media types. Browser-safe
 * (no Node imports): the renderer and the contract read this list too.
 */

export const EXPORT_FORMATS = {
  csv: { title: 'CSV', extension: 'csv', mime: 'text/csv', note: 'header row first; provenance in a .provenance.json beside it' },
  ecsv: { title: 'ECSV', extension: 'ecsv', mime: 'text/x-ecsv', note: 'astropy Enhanced CSV: provenance, units and descriptions in its header' },
  votable: { title: 'VOTable', extension: 'vot', mime: 'application/x-votable+xml', note: 'VOTable 1.4 with units, UCDs and provenance' },
  ds9: { title: 'DS9 regions', extension: 'reg', mime: 'text/plain', note: 'fk5 circles labelled with id and consensus label; a scored run adds the published sources it missed' },
} as const;

export type ExportFormat = keyof typeof EXPORT_FORMATS;

export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as [ExportFormat, ...ExportFormat[]];

export function isExportFormat(s: string): s is ExportFormat {
  return (EXPORT_FORMAT_NAMES as string[]).includes(s);
}

/** The format a file name implies by its extension (.csv, .ecsv, .vot/.xml, .reg), if any. */
export function formatOfFileName(name: string): ExportFormat | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (ext === 'xml') return 'votable';
  return EXPORT_FORMAT_NAMES.find((f) => EXPORT_FORMATS[f].extension === ext);
}

/**
 * Where a plain CSV's provenance goes: beside it, `NAME.provenance.json` for
 * `NAME.csv` (RFC 4180 has no comments, and `#` lines break TOPCAT/STILTS).
 */
export function provenanceSidecar(csvFile: string): string {
  return `${csvFile.replace(/\.csv$/i, '')}.provenance.json`;
}
