import { describe, expect, it } from 'vitest';
import { ledgerCount } from '../../../electron/pipeline/state';
import { SourceTable } from '../../../electron/pipeline/source-table';
import type { TrackedSource } from '../../../electron/pipeline/types';
import { candidate } from './synthetic';

function withLedger(id: number, ledger: TrackedSource['ledger']): TrackedSource {
  return { ...candidate(id, 10 + id / 1000, 20), ledger };
}

describe('ledgerCount', () => {
  it('counts drops by reason and flags only on sources still standing', () => {
    const sources = [
      withLedger(1, []),
      withLedger(2, [{ stage: 'filters', reason: 'fwhm', dropped: true }]),
      // A source dropped by fwhm whose SPREAD_MODEL was never measured: the note explains, it is no flag.
      withLedger(3, [
        { stage: 'filters', reason: 'fwhm', dropped: true },
        { stage: 'filters', reason: 'spread_model', dropped: false, detail: 'not measured (dropped earlier by fwhm)' },
      ]),
      withLedger(4, [{ stage: 'asteroids', reason: 'asteroid', dropped: false }]),
      withLedger(5, [{ stage: 'filters', reason: 'mad_note', dropped: false }]),
    ];
    const table = SourceTable.from(sources);
    expect(ledgerCount(table, 'filters', 0, 5)).toEqual({ input: 5, output: 3, dropped: { fwhm: 2 }, flagged: { mad_note: 1 } });
    expect(ledgerCount(table, 'asteroids', 0, 3)).toEqual({ input: 3, output: 3, dropped: {}, flagged: { asteroid: 1 } });
  });
});
