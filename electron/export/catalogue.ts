/**
 * The vetted catalogue: a run's candidates with their consensus labels, as
 * CSV (RFC 4180, header row first, provenance in a `.provenance.json` beside
 * it), ECSV (provenance, units and descriptions in its YAML header), VOTable
 * 1.4, or DS9 regions. By default only the candidates whose consensus is
 * `transient`; `scope: 'all'` gives every candidate; `labels` selects by
 * consensus label instead.
 *
 * Each file is written beside its target and renamed into place, so a reader
 * never sees half a catalogue.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatCsv } from '../core/csv';
import { UserError } from '../core/errors';
import { DEFAULT_CATALOGUE } from '../pipeline/parameters';
import type { PlateSummary } from '../pipeline/types';
import { isReviewLabel, REVIEW_LABELS, type ReviewLabel } from '../store/labels';
import type { Workspace } from '../store/workspace';
import { EXPORT_COLUMNS, remarksText, type ExportRow } from './columns';
import { formatEcsv } from './ecsv';
import { EXPORT_FORMAT_NAMES, isExportFormat, provenanceSidecar, type ExportFormat } from './formats';
import { formatDs9Regions, type RegionCircle } from './regions';
import { formatVoTable } from '../core/votable';

export interface ExportOptions {
  /** Default: the newest run in the workspace. */
  runId?: number;
  scope: 'vetted' | 'all';
  /** Keep candidates whose consensus is one of these (overrides scope). */
  labels?: ReviewLabel[];
  format: ExportFormat;
  out: string;
  /** Version of the app writing the file. */
  appVersion: string;
}

export const CONSENSUS_RULE =
  'consensus = the label held by more than half of the reviewers who currently label a candidate; no majority (ties, splits) = unsure; nobody = unreviewed (empty)';

function plateText(p: PlateSummary): string {
  return [
    `${p.region} (${p.survey}, ${p.band}, plate ${p.plateId ?? '?'})`,
    `epoch ${p.epochJulian ?? '?'}`,
    `mid-exposure ${p.midUtc ?? '?'} UTC`,
    `exposure ${p.exposureMinutes ?? '?'} min`,
    `file ${p.file}`,
    `header sha256 ${p.headerSha256}`,
    `solution ${p.solution}`,
  ].join(', ');
}

function selection(opts: ExportOptions): { labels: ReviewLabel[] | undefined; text: string } {
  if (opts.labels?.length) {
    for (const l of opts.labels) {
      if (!isReviewLabel(l)) {
        throw new UserError(`unknown label "${l}"`, `use one of: ${REVIEW_LABELS.map((x) => x.label).join(', ')}`, 'bad-arguments');
      }
    }
    return { labels: [...new Set(opts.labels)], text: `candidates whose consensus label is ${[...new Set(opts.labels)].join(' or ')}` };
  }
  if (opts.scope === 'all') return { labels: undefined, text: 'all candidates, reviewed or not' };
  return { labels: ['transient'], text: 'vetted: candidates whose consensus label is transient' };
}

export interface ExportResult {
  rows: number;
  file: string;
  /** CSV only: the provenance written beside the table. */
  provenanceFile?: string;
}

export function exportCatalogue(ws: Workspace, opts: ExportOptions): ExportResult {
  if (!isExportFormat(opts.format)) {
    throw new UserError(`unknown export format "${String(opts.format)}"`, `use one of: ${EXPORT_FORMAT_NAMES.join(', ')}`, 'bad-arguments');
  }
  const runId = opts.runId ?? ws.latestRunId();
  if (runId === null || runId === undefined) {
    throw new UserError(`${ws.file} holds no pipeline runs yet`, 'run `vasco run` on a plate first, then export', 'not-found');
  }
  const { row: run, summary } = ws.getRun(runId);
  const sel = selection(opts);
  const candidates = ws.listCandidates({ runId, filter: sel.labels ? { labels: sel.labels } : undefined, sort: { column: 'id' } }).rows;
  const current = ws.currentLabels(runId);
  const remarks = ws.remarks(runId);
  const reviewers = [...new Set([...current.values()].flatMap((m) => [...m.keys()]))].sort();
  const epoch = summary.plates.red.epochJulian ?? null;
  const rows: ExportRow[] = candidates.map((candidate) => ({ candidate, epoch, labels: current.get(candidate.id) ?? new Map(),
    remarks: remarks.get(candidate.id) ?? [],
  }));

  const provenance: [string, string][] = [
    ['catalogue', 'VASCO Workstation: POSS-I vanishing-source candidates and their visual review'],
    ['exported_utc', new Date().toISOString()],
    ['exported_by', `vasco-workstation ${opts.appVersion}`],
    ['workspace', ws.file],
    ['selection', sel.text],
    ['consensus_rule', CONSENSUS_RULE],
    ['rows', String(rows.length)],
    ['run', `${run.id} (recorded ${run.createdUtc}, folder ${run.outDir})`],
    ['pipeline', `${summary.app.name} ${summary.app.version}, mode ${summary.mode}${summary.modeReason ? ` (${summary.modeReason})` : ''}, started ${summary.startedUtc}, finished ${summary.finishedUtc}`],
    ['command', summary.command.join(' ')],
    ['red_plate', plateText(summary.plates.red)],
    ...(summary.plates.blue ? ([['blue_plate', plateText(summary.plates.blue)]] as [string, string][]) : []),
    ['tools', Object.entries(summary.tools).map(([k, v]) => `${k} ${v}`).join('; ')],
    ['parameters', JSON.stringify(summary.parameters)],
    ['stages', summary.stages.map((s) => `${s.name} ${s.input}->${s.output}${s.skipped ? ` (skipped: ${s.skipped})` : ''}`).join('; ')],
    ['reviewers', reviewers.length ? reviewers.join(', ') : '(none)'],
  ];

  const columns = EXPORT_COLUMNS.map((c) => c.name);
  const cells = () => rows.map((r) => EXPORT_COLUMNS.map((c) => c.value(r)));
  const file = resolve(opts.out);
  switch (opts.format) {
    case 'csv': {
      // RFC 4180 has no comments (TOPCAT/STILTS refuse `#` lines): the provenance goes beside the table.
      const provenanceFile = provenanceSidecar(file);
      const sidecar = {
        table: file,
        provenance: Object.fromEntries(provenance),
        columns: EXPORT_COLUMNS.map(({ name, datatype, unit, ucd, description }) => ({ name, datatype, unit: unit ?? null, ucd, description })),
      };
      writeWhole(provenanceFile, JSON.stringify(sidecar, null, 2) + '\n');
      writeWhole(file, formatCsv(columns, cells()));
      return { rows: rows.length, file, provenanceFile };
    }
    case 'ecsv':
      writeWhole(file, formatEcsv({ columns: EXPORT_COLUMNS, meta: provenance, rows: cells() }));
      break;
    case 'votable':
      writeWhole(
        file,
        formatVoTable({
          resourceName: 'vasco',
          tableName: 'candidates',
          description: `VASCO Workstation catalogue of run ${run.id} on plate ${summary.plates.red.region}: ${sel.text}. ${CONSENSUS_RULE}.`,
          infos: provenance.map(([name, value]) => ({ name, value })),
          coosys: { id: 'system', system: 'ICRS' },
          fields: EXPORT_COLUMNS.map((c) => ({ ...c, coosys: c.name === 'ra' || c.name === 'dec' })),
          rows: cells(),
        }),
      );
      break;
    case 'ds9': {
      const radius = summary.parameters.vetoRadiusArcsec;
      const radiusArcsec = typeof radius === 'number' && radius > 0 ? radius : DEFAULT_CATALOGUE.vetoRadiusArcsec;
      // The published sources no candidate recovered (the run's score keeps only those; the recovered ones lie on candidates).
      const missed = summary.score?.missed ?? [];
      const comments = [
        ...provenance.map(([k, v]) => `${k}: ${v}`),
        `circles: the veto radius, ${radiusArcsec} arcsec, text: candidate id and consensus label, tags: consensus label, then reviewers' comments`,
        ...(summary.score ? [`dashed magenta: the ${missed.length} published VASCO sources on this plate that no candidate recovered (within ${summary.score.radiusArcsec} arcsec)`] : []),
      ];
      const published: RegionCircle[] = missed.map((p) => ({
        ra: p.ra,
        dec: p.dec,
        radiusArcsec: summary.score!.radiusArcsec,
        text: `VASCO ${p.id}`,
        color: 'magenta',
        dashed: true,
        tags: ['published, not recovered'],
      }));
      writeWhole(file, formatDs9Regions(comments, [...rows.map((r) => regionOf(r, radiusArcsec)), ...published]));
      break;
    }
  }
  return { rows: rows.length, file };
}

/** DS9 colours by consensus: transients stand out, unreviewed ones are still to look at. */
function colourOf(consensus: string | null): string {
  if (consensus === 'transient') return 'red';
  if (consensus === null) return 'green';
  if (consensus === 'unsure') return 'yellow';
  return 'cyan';
}

function regionOf(r: ExportRow, radiusArcsec: number): RegionCircle {
  const { id, ra, dec, consensus } = r.candidate;
  return {
    ra,
    dec,
    radiusArcsec,
    text: consensus ? `${id} ${consensus}` : String(id),
    color: colourOf(consensus),
    tags: [consensus ?? 'unreviewed', remarksText(r)],
  };
}

/** Write beside the target and rename into place: a reader never sees half a file. */
function writeWhole(file: string, text: string): void {
  const partial = `${file}.partial-${process.pid}`;
  try {
    writeFileSync(partial, text);
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new UserError(`cannot write ${file}: ${(err as Error).message}`, 'check that the folder exists and is writable, or choose another --out', 'write-failed');
  }
}
