/**
 * What flows between pipeline stages, and what a stage is.
 *
 * A stage is a name, the run parameters its result depends on (part of its
 * checkpoint key), and a function (state, ctx) -> { state, count }. The state
 * is plain JSON so every finished stage can be checkpointed to DIR/work/ and a
 * run resumed from there. Red sources are never removed from the state: a stage
 * that drops one appends a LedgerEntry with dropped=true, so the final
 * sources.csv explains every source.
 */
import type { StageContext } from '../core/stage';
import type { NativeTools } from '../../native-tools/find';
import type { PsfStats } from '../../native-tools/psfex';
import type { Band, BlueCoverage, HeaderValues, LedgerEntry, PlateInfo, PlateSummary, ScoreResult, Source, StageCount, TrackedSource } from './types';
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
  /** Every extracted source with its ledger; ra/dec are NaN until the positions stage. */
  sources: TrackedSource[];
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

/** A source is still a candidate while no stage has dropped it. */
export function isAlive(s: { ledger: LedgerEntry[] }): boolean {
  return !s.ledger.some((e) => e.dropped);
}

export function aliveSources<T extends { ledger: LedgerEntry[] }>(sources: T[]): T[] {
  return sources.filter(isAlive);
}

/**
 * Counts for a stage that works through ledgers: input = alive before, output =
 * alive after, dropped/flagged = the stage's new entries by reason (flagged:
 * on sources still standing). A source
 * failing two tests counts under both reasons, so the dropped counts may add
 * up to more than input - output.
 */
export function ledgerCount(sources: TrackedSource[], stage: string, aliveBefore: number): StageCountBody {
  const dropped: Record<string, number> = {};
  const flagged: Record<string, number> = {};
  for (const s of sources) {
    // Flagged means flagged and kept: a note on a dropped source only explains it.
    const alive = isAlive(s);
    for (const e of s.ledger) {
      if (e.stage !== stage || (!e.dropped && !alive)) continue;
      const into = e.dropped ? dropped : flagged;
      into[e.reason] = (into[e.reason] ?? 0) + 1;
    }
  }
  const out: StageCountBody = { input: aliveBefore, output: aliveSources(sources).length, dropped };
  if (Object.keys(flagged).length) out.flagged = flagged;
  return out;
}

/** A source as measured, with an empty ledger. */
export function tracked(s: Source): TrackedSource {
  return { ...s, ledger: [] };
}
