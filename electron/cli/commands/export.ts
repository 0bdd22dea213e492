/**
 * `vasco export --db FILE [--run ID] [--all | --vetted] [--label L ...]
 * [--format csv|ecsv|votable|ds9] --out FILE`: the reviewed catalogue of one
 * run (the newest by default). Vetted (consensus = transient) unless --all;
 * --label selects by consensus label instead. Without --format, the
 * extension of --out says which (.csv, .ecsv, .vot/.xml, .reg).
 */
import { existsSync } from 'node:fs';
import { UserError } from '../../core/errors';
import { exportCatalogue } from '../../export/catalogue';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, formatOfFileName, isExportFormat } from '../../export/formats';
import { packageVersion } from '../../store/app-version';
import { isReviewLabel, REVIEW_LABELS, type ReviewLabel } from '../../store/labels';
import { openWorkspace } from '../../store/workspace';
import { describeReplies, sendVotable, withSampClient } from '../../samp/session';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'write the vetted catalogue of a run (CSV with a provenance file, ECSV, VOTable 1.4 or DS9 regions)';

const usage = `usage: vasco export --db FILE [--run ID] [--all | --vetted] [--label L ...] --format ${EXPORT_FORMAT_NAMES.join('|')} --out FILE [--samp]
  --samp   also send the VOTable to the SAMP hub (TOPCAT, Aladin, DS9 load it; needs --format votable)`;

/** Writable when possible (an old workspace gets upgraded), read-only for an archived read-only file. */
function openForExport(file: string) {
  if (!existsSync(file)) throw new UserError(`workspace ${file} does not exist`, 'give the vasco.sqlite of a run folder (or the --db used with vasco run)', 'not-found');
  try {
    return openWorkspace(file);
  } catch (err) {
    if (err instanceof UserError && err.code === 'db-readonly') return openWorkspace(file, { readonly: true });
    throw err;
  }
}

/** `--samp`: the written VOTable to every table viewer on the hub, and what each answered. */
async function sendExportBySamp(file: string, rows: number): Promise<void> {
  try {
    const { replies } = await withSampClient((c) => sendVotable(c, file, `vasco-export-${Date.now()}`));
    process.stderr.write(`vasco export: SAMP: ${describeReplies(`the table of ${rows} rows`, replies)}\n`);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${err.message} (the table is written: ${file})`, err.hint, err.code);
    throw err;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('export', argv, {
    db: { type: 'string' },
    run: { type: 'string' },
    all: { type: 'boolean', default: false },
    vetted: { type: 'boolean', default: false },
    label: { type: 'string', multiple: true },
    format: { type: 'string' },
    out: { type: 'string' },
    samp: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    const formats = EXPORT_FORMAT_NAMES.map((f) => `  ${f.padEnd(8)} .${EXPORT_FORMATS[f].extension}  ${EXPORT_FORMATS[f].note}`);
    process.stdout.write(`${usage}\n${summary}\nformats:\n${formats.join('\n')}\nlabels: ${REVIEW_LABELS.map((l) => l.label).join(', ')}\n`);
    return 0;
  }
  if (!values.db) throw new UserError('vasco export needs --db FILE (the workspace, e.g. RUN_DIR/vasco.sqlite)', usage);
  if (!values.out) throw new UserError('vasco export needs --out FILE', usage);
  const format = values.format ?? formatOfFileName(values.out);
  if (format === undefined || !isExportFormat(format)) {
    const known = `${EXPORT_FORMAT_NAMES.slice(0, -1).join(', ')} or ${EXPORT_FORMAT_NAMES.at(-1)}`;
    throw new UserError(`vasco export needs --format ${known}${values.format ? ` (not "${values.format}")` : ' (or an --out ending in one of their extensions)'}`, usage);
  }
  if (values.all && values.vetted) throw new UserError('vasco export: give --all or --vetted, not both', usage);
  if (values.samp && format !== 'votable') throw new UserError(`vasco export --samp sends a VOTable, not ${format}`, 'add --format votable (or an --out ending in .vot)');
  const labels = (values.label ?? []).flatMap((l) => l.split(',')).map((l) => l.trim()).filter(Boolean);
  for (const l of labels) {
    if (!isReviewLabel(l)) throw new UserError(`vasco export: unknown label "${l}"`, `use one of: ${REVIEW_LABELS.map((x) => x.label).join(', ')}`);
  }
  const runId = values.run === undefined ? undefined : numberOption('export', 'run', values.run, NaN);
  if (runId !== undefined && !(Number.isInteger(runId) && runId > 0)) throw new UserError(`vasco export: --run must be a run id, got "${values.run}"`, usage);

  const ws = openForExport(values.db);
  try {
    const r = exportCatalogue(ws, {
      runId,
      scope: values.all ? 'all' : 'vetted',
      labels: labels.length ? (labels as ReviewLabel[]) : undefined,
      format,
      out: values.out,
      appVersion: packageVersion(),
    });
    process.stderr.write(`vasco export: ${r.rows} rows -> ${r.file}\n`);
    if (r.provenanceFile) {
      process.stderr.write(`vasco export: provenance (run, plates, parameters, reviewers, column units) -> ${r.provenanceFile}; --format ecsv keeps it in the table's own header\n`);
    }
    if (values.samp) await sendExportBySamp(r.file, r.rows);
    return 0;
  } finally {
    ws.close();
  }
}
