/**
 * Reading ledgers. A stage that could not run (offline veto, no SkyBoT) notes
 * "<what>_skipped" on every candidate it passed unchecked: true for the whole
 * run, said once by the funnel and the ledger panel, and no flag a reviewer
 * should chase row by row.
 */
export function isSkipNote(reason: string): boolean {
  return /_skipped$/.test(reason);
}
