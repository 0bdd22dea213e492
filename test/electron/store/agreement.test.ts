/**
 * Kappa checked against published worked examples, both through the pure
 * functions and through a workspace where reviewers label candidates so.
 *
 * - Cohen: the two-reader, yes/no example (50 grant proposals: both yes 20,
 *   A yes B no 5, A no B yes 10, both no 15): po = 0.70, pe = 0.50,
 *   kappa = 0.40. Worked in the "Cohen's kappa" article of Wikipedia.
 * - Cohen, three categories: Fleiss, Levin & Paik, Statistical Methods for
 *   Rates and Proportions, 3rd ed. (Wiley 2003), Table 18.1 (two psychiatric
 *   diagnoses of 100 patients, proportions): po = 0.89, pe = 0.66, kappa = 0.68.
 * - Fleiss: 10 subjects each rated by 14 raters into 5 categories, the worked
 *   example of the "Fleiss' kappa" article of Wikipedia (also in Cardillo's
 *   fleiss.m, MATLAB File Exchange 15426): Pbar = 0.378, Pe = 0.213,
 *   kappa = 0.210.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cohenKappa, cohenKappaFromTable, countsPerItem, fleissKappa } from '../../../electron/store/agreement';
import type { ReviewLabel } from '../../../electron/store/labels';
import { openWorkspace } from '../../../electron/store/workspace';
import { APP_VERSION, runInput, sky, tempDir } from './fixtures';

const COHEN_YES_NO = { yesYes: 20, yesNo: 5, noYes: 10, noNo: 15, kappa: 0.4 };

const FLP_TABLE_18_1 = [
  [0.75, 0.01, 0.04],
  [0.05, 0.04, 0.01],
  [0.0, 0.0, 0.1],
];

const FLEISS_WIKI = [
  [0, 0, 0, 0, 14],
  [0, 2, 6, 4, 2],
  [0, 0, 3, 5, 6],
  [0, 3, 9, 2, 0],
  [2, 2, 8, 1, 1],
  [7, 7, 0, 0, 0],
  [3, 2, 6, 3, 0],
  [2, 5, 3, 2, 2],
  [6, 5, 2, 1, 0],
  [0, 2, 2, 3, 7],
];

function yesNoLists(): { a: string[]; b: string[] } {
  const a: string[] = [];
  const b: string[] = [];
  const push = (n: number, x: string, y: string) => {
    for (let i = 0; i < n; i++) a.push(x), b.push(y);
  };
  push(COHEN_YES_NO.yesYes, 'yes', 'yes');
  push(COHEN_YES_NO.yesNo, 'yes', 'no');
  push(COHEN_YES_NO.noYes, 'no', 'yes');
  push(COHEN_YES_NO.noNo, 'no', 'no');
  return { a, b };
}

describe('kappa against published examples', () => {
  it("Cohen's kappa: 50 proposals, two readers -> 0.40", () => {
    const { a, b } = yesNoLists();
    expect(cohenKappa(a, b)).toBeCloseTo(COHEN_YES_NO.kappa, 10);
  });

  it("Cohen's kappa: Fleiss, Levin & Paik (2003) Table 18.1 -> 0.68", () => {
    expect(cohenKappaFromTable(FLP_TABLE_18_1)).toBeCloseTo(0.676, 3);
  });

  it("Fleiss' kappa: 10 subjects x 14 raters -> 0.210", () => {
    expect(fleissKappa(FLEISS_WIKI)).toBeCloseTo(0.21, 3);
  });

  it('is undefined (NaN) when every rating is the same category', () => {
    expect(cohenKappa(['a', 'a'], ['a', 'a'])).toBeNaN();
    expect(fleissKappa([[3, 0], [3, 0]])).toBeNaN();
    expect(countsPerItem([['a', 'b', 'a']])).toEqual([[2, 1]]);
  });
});

describe('workspace agreement', () => {
  const LABELS: ReviewLabel[] = ['transient', 'emulsion_defect', 'dust_or_scratch', 'halo_or_ghost', 'blend'];

  it("reports Cohen's kappa for two reviewers over the candidates both labelled", () => {
    const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
    const { runId } = ws.recordRun(runInput('XE687', sky(52), 1));
    const ids = ws.listCandidates({ runId }).rows.map((r) => r.id);
    const { a, b } = yesNoLists();
    const asLabel = (x: string): ReviewLabel => (x === 'yes' ? 'transient' : 'emulsion_defect');
    a.forEach((l, i) => {
      ws.addReview({ candidateId: ids[i], reviewer: 'ann', label: asLabel(l), appVersion: APP_VERSION });
      ws.addReview({ candidateId: ids[i], reviewer: 'bob', label: asLabel(b[i]), appVersion: APP_VERSION });
    });
    // Labelled by one reviewer only: not an item.
    ws.addReview({ candidateId: ids[50], reviewer: 'ann', label: 'transient', appVersion: APP_VERSION });
    const ag = ws.agreement(runId);
    expect(ag.reviewers).toEqual(['ann', 'bob']);
    expect(ag.items).toBe(50);
    expect(ag.cohenKappa).toBeCloseTo(COHEN_YES_NO.kappa, 10);
    expect(ag.fleissKappa).toBeUndefined();
    expect(ag.percentAgreement).toBeCloseTo(70, 10);
    expect(ag.pairs).toEqual([{ a: 'ann', b: 'bob', n: 50, agreed: 35, kappa: ag.cohenKappa }]);
    ws.close();
  });

  it("reports Fleiss' kappa for fourteen reviewers", () => {
    const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
    const { runId } = ws.recordRun(runInput('XE687', sky(FLEISS_WIKI.length), 1));
    const ids = ws.listCandidates({ runId }).rows.map((r) => r.id);
    const reviewers = Array.from({ length: 14 }, (_, i) => `r${String(i).padStart(2, '0')}`);
    FLEISS_WIKI.forEach((counts, item) => {
      // Hand the categories out to reviewers in turn; which rater said what does not enter Fleiss' kappa.
      const labels = counts.flatMap((n, j) => Array<ReviewLabel>(n).fill(LABELS[j]));
      labels.forEach((label, r) => ws.addReview({ candidateId: ids[item], reviewer: reviewers[r], label, appVersion: APP_VERSION }));
    });
    const ag = ws.agreement(runId);
    expect(ag.reviewers).toEqual(reviewers);
    expect(ag.items).toBe(10);
    expect(ag.fleissKappa).toBeCloseTo(0.21, 3);
    expect(ag.cohenKappa).toBeUndefined();
    expect(ag.percentAgreement).toBe(10); // only subject 1 is unanimous
    expect(ag.pairs).toHaveLength((14 * 13) / 2);
    ws.close();
  });
});
