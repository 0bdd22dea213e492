/**
 * What flows between pipeline stages, and what a stage is.
 *
 * A stage is a name, the run parameters its result depends on (part of its
 * checkpoint key), and a function (state, ctx) -> { state, count }. Each
 * plate's sources are a SourceTable (columns, source-table.ts); a stage sets
 * columns and appends ledger rows, and what it changed is its checkpoint
 * (checkpoint.ts). Red sources are never removed: a stage that drops one
 * appends a LedgerEntry with dropped=true, so the final sources.csv explains
 * every source.
 */
import type { StageContext } from '../core/stage';
import type { AstrometrySummary } from './types';
import type { NativeTools } from '../../native-tools/find';
import type { PsfStats } from '../../native-tools/psfex';
import type { SourceTable } from './source-table';
import type { Band, BlueCoverage, HeaderValues, PlateInfo, PlateSummary, PublishedAuditRow, PublishedAuditSummary, ScoreResult, StageCount } from './types';
import type { RunParameters } from './parameters';

export interface ExtractionRecord {
  /** Work folder of this plate's SExtractor/PSFEx files. */
  workDir: string;
  psf: PsfStats | null;
  /** Seconds of pass 1, PSFEx and pass 2. */
  seconds: { pass1: number; psfex: number; pass2: number };
}

export interface PlateState {
  band: Band;
  /** The plain FITS file the tools read (for a .fits.gz plate, its inflated copy in DIR/work/inputs). */
  file: string;
  /** sha256 of the plate file as given: what every checkpoint and work artefact of it is keyed by. */
  sha256: string;
  /** HDU holding the image (0 for plates and STScI cutouts). */
  hdu: number;
  header: HeaderValues;
  info: PlateInfo;
  headerSha256: string;
  /** SATUR_LEVEL given to SExtractor (see native-tools/config/vasco.sex). */
  saturLevel: number;
  /** Set by the positions stage. */
  solution?: { kind: PlateSummary['solution']; offset?: PlateSummary['solutionOffset'] };
  /** Set by the extract stage. */
  extraction?: ExtractionRecord;
  /** Every extracted source with its ledger (empty until extraction); ra/dec are NaN until the positions stage. */
  sources: SourceTable;
}

export interface PipelineState {
  mode: 'red+blue' | 'red-only';
  modeReason?: string;
  red: PlateState;
  /** Absent in red-only mode. Blue sources get ledgers too (filters), but only red ones are reported. */
  blue?: PlateState;
  /** Tool versions as used by the extraction (kept with the state, so a resumed run reports what ran). */
  tools: Record<string, string>;
  notes: string[];
  /** Set by the score stage when a published catalogue was given. */
  score?: ScoreResult;
  /** red+blue: how much of the red plate the blue one covers (initialState; counts added by red vs blue). */
  blueCoverage?: BlueCoverage;
  /** Set by the published-audit stage when a published catalogue was given. */
  published?: { summary: PublishedAuditSummary; rows: PublishedAuditRow[] };
  /** The Gaia refit of the plate solutions (astrometry.ts). */
  astrometry?: AstrometrySummary;
}

export interface PipelineContext extends StageContext {
  params: RunParameters;
  tools: NativeTools;
  /** toolVersions(tools), as recorded in summary.json. */
  toolVersions: Record<string, string>;
  /** DIR/work of this run. */
  workDir: string;
}

export type StageCountBody = Omit<StageCount, 'name' | 'seconds'>;

export interface StageResult {
  state: PipelineState;
  count: StageCountBody;
}

export interface Stage {
  name: string;
  /** The parameters the stage's result depends on (JSON); changing them invalidates its checkpoint and all later ones. */
  inputs(params: RunParameters): unknown;
  run(state: PipelineState, ctx: PipelineContext): Promise<StageResult>;
}

/**
 * Counts for a stage that works through ledgers: input = alive before, output =
 * alive after, dropped/flagged = the stage's new entries by reason (its
 * ledger rows from `ledgerFrom` on; flagged: on sources still standing). A source
 * failing two tests counts under both reasons, so the dropped counts may add
 * up to more than input - output.
 */
export function ledgerCount(table: SourceTable, stage: string, ledgerFrom: number, aliveBefore: number): StageCountBody {
  const dropped: Record<string, number> = {};
  const flagged: Record<string, number> = {};
  const c = table.ledger.cols;
  const stageId = table.strings.id(stage);
  for (let r = ledgerFrom; r < table.ledger.length; r++) {
    if (c.stage[r] !== stageId) continue;
    // Flagged means flagged and kept: a note on a dropped source only explains it.
    if (!c.dropped[r] && !table.isAlive(c.source[r])) continue;
    const into = c.dropped[r] ? dropped : flagged;
    const reason = table.strings.get(c.reason[r]);
    into[reason] = (into[reason] ?? 0) + 1;
  }
  const out: StageCountBody = { input: aliveBefore, output: table.aliveCount(), dropped };
  if (Object.keys(flagged).length) out.flagged = flagged;
  return out;
}
