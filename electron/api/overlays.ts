/**
 * Catalogue counterparts for the sky-context overlays. The veto stage records
 * each counterpart's position (degrees, at the plate epoch) on the ledger of
 * the source it vetoed; those sources are no candidates, and the workspace's
 * ledger table keeps no positions, so the workstation writes them next to the
 * run when it records the run: RUN_DIR/overlays/counterparts.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGS, type CatalogId } from '../catalogs/catalogs';
import type { LedgerEntry, TrackedSource } from '../pipeline/types';

export interface CounterpartOverlay {
  ra: number;
  dec: number;
  /** The catalogue's name for people (e.g. "Gaia EDR3"); the ledger reason when it is no known catalogue. */
  catalog: string;
  /** Catalogue identifier, when known. */
  id?: string;
  /** The plate source it matched and how far away, arcsec. */
  sourceNumber?: number;
  distanceArcsec?: number;
}

export function counterpartsFile(runDir: string): string {
  return join(runDir, 'overlays', 'counterparts.json');
}

export function catalogueLabel(reason: string): string {
  return Object.prototype.hasOwnProperty.call(CATALOGS, reason) ? CATALOGS[reason as CatalogId].label : reason;
}

/** Counterparts recorded on ledger entries (entries without a position are skipped). */
export function counterpartsOfLedger(ledger: LedgerEntry[], sourceNumber?: number): CounterpartOverlay[] {
  const out: CounterpartOverlay[] = [];
  for (const e of ledger) {
    if (!(typeof e.counterpartRa === 'number' && Number.isFinite(e.counterpartRa))) continue;
    if (!(typeof e.counterpartDec === 'number' && Number.isFinite(e.counterpartDec))) continue;
    out.push({
      ra: e.counterpartRa,
      dec: e.counterpartDec,
      catalog: catalogueLabel(e.reason),
      ...(e.counterpart ? { id: e.counterpart } : {}),
      ...(sourceNumber !== undefined ? { sourceNumber } : {}),
      ...(typeof e.distanceArcsec === 'number' ? { distanceArcsec: e.distanceArcsec } : {}),
    });
  }
  return out;
}

/** Write every counterpart of a run's sources; returns how many. */
export function writeCounterparts(runDir: string, sources: TrackedSource[]): number {
  const list = sources.flatMap((s) => counterpartsOfLedger(s.ledger ?? [], s.id));
  mkdirSync(join(runDir, 'overlays'), { recursive: true });
  writeFileSync(counterpartsFile(runDir), JSON.stringify(list));
  return list.length;
}

/** A run's counterparts; [] for runs recorded without the file (e.g. by an older version). */
export function readCounterparts(runDir: string): CounterpartOverlay[] {
  const file = counterpartsFile(runDir);
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return Array.isArray(parsed) ? (parsed as CounterpartOverlay[]) : [];
}
