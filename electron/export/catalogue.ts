/**
 * The vetted catalogue: a run's candidates with their consensus labels, as
 * CSV (RFC 4180, `#` provenance lines first) or VOTable 1.4. By default only
 * the candidates whose consensus is `transient`; `scope: 'all'` gives every
 * candidate; `labels` selects by consensus label instead.
 *
 * The file is written beside its target and renamed into place, so a reader
 * never sees half a catalogue.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatCsv } from '../core/csv';
import { UserError } from '../core/errors';
import type { PlateSummary } from '../pipeline/types';
import { isReviewLabel, REVIEW_LABELS, type ReviewLabel } from '../store/labels';
import type { Workspace } from '../store/workspace';
import { EXPORT_COLUMNS, type ExportRow } from './columns';
import { formatVoTable } from './votable';

export interface ExportOptions {
  /** Default: the newest run in the workspace. */
  runId?: number;
  scope: 'vetted' | 'all';
  /** Keep candidates whose consensus is one of these (overrides scope). */
  labels?: ReviewLabel[];
  format: 'csv' | 'votable';
  out: string;
  /** Version of the app writing the file. */
  appVersion: string;
}

export const CONSENSUS_RULE =
  'consensus = the label held by more than half of the reviewers who currently label a candidate; no majority (ties, splits) = unsure; nobody = unreviewed (empty)';

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

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

export function exportCatalogue(ws: Workspace, opts: ExportOptions): { rows: number; file: string } {
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

  let text: string;
  if (opts.format === 'csv') {
    const comments = provenance.map(([k, v]) => oneLine(`${k}: ${v}`));
    for (const c of EXPORT_COLUMNS) comments.push(oneLine(`column ${c.name}${c.unit ? ` [${c.unit}]` : ''} (${c.ucd}): ${c.description}`));
    text = formatCsv(
      EXPORT_COLUMNS.map((c) => c.name),
      rows.map((r) => EXPORT_COLUMNS.map((c) => c.value(r))),
      comments,
    );
  } else if (opts.format === 'votable') {
    text = formatVoTable({
      resourceName: 'vasco',
      tableName: 'candidates',
      description: `VASCO Workstation catalogue of run ${run.id} on plate ${summary.plates.red.region}: ${sel.text}. ${CONSENSUS_RULE}.`,
      infos: provenance.map(([name, value]) => ({ name, value })),
      coosys: { id: 'system', system: 'ICRS' },
      fields: EXPORT_COLUMNS.map((c) => ({ ...c, coosys: c.name === 'ra' || c.name === 'dec' })),
      rows: rows.map((r) => EXPORT_COLUMNS.map((c) => c.value(r))),
    });
  } else {
    throw new UserError(`unknown export format "${String(opts.format)}"`, 'use csv or votable', 'bad-arguments');
  }

  const file = resolve(opts.out);
  const partial = `${file}.partial-${process.pid}`;
  try {
    writeFileSync(partial, text);
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new UserError(`cannot write ${file}: ${(err as Error).message}`, 'check that the folder exists and is writable, or choose another --out', 'write-failed');
  }
  return { rows: rows.length, file };
}
