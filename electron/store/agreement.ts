/**
 * Inter-reviewer agreement for nominal labels. Pure functions, no store.
 *
 * Cohen (1960): kappa = (po - pe) / (1 - pe) for two raters, pe from each
 * rater's own label frequencies. Fleiss (1971): for n raters per item,
 * P_i = (sum_j n_ij^2 - n) / (n (n - 1)), Pbar = mean P_i,
 * Pe = sum_j p_j^2 with p_j the share of all assignments in category j,
 * kappa = (Pbar - Pe) / (1 - Pe).
 *
 * Both are undefined when chance agreement is total (pe = 1: every label the
 * same); they return NaN then, and callers report that as "not computable".
 */
import type { ReviewLabel } from './labels';
import type { Agreement } from './types';

/** Cohen's kappa from two equally long lists of labels (item i: a[i] vs b[i]). */
export function cohenKappa<T>(a: readonly T[], b: readonly T[]): number {
  if (a.length !== b.length) throw new Error('cohenKappa: the two raters must label the same items');
  const n = a.length;
  if (n === 0) return NaN;
  const countA = new Map<T, number>();
  const countB = new Map<T, number>();
  let agreed = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agreed++;
    countA.set(a[i], (countA.get(a[i]) ?? 0) + 1);
    countB.set(b[i], (countB.get(b[i]) ?? 0) + 1);
  }
  const po = agreed / n;
  let pe = 0;
  for (const [label, ca] of countA) pe += (ca / n) * ((countB.get(label) ?? 0) / n);
  return pe === 1 ? NaN : (po - pe) / (1 - pe);
}

/** Cohen's kappa from a square contingency table (rows: rater A, columns: rater B), counts or proportions. */
export function cohenKappaFromTable(table: readonly (readonly number[])[]): number {
  const k = table.length;
  let total = 0;
  let diagonal = 0;
  const rowSum = new Array<number>(k).fill(0);
  const colSum = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    if (table[i].length !== k) throw new Error('cohenKappaFromTable: the table must be square');
    for (let j = 0; j < k; j++) {
      total += table[i][j];
      rowSum[i] += table[i][j];
      colSum[j] += table[i][j];
    }
    diagonal += table[i][i];
  }
  if (total === 0) return NaN;
  const po = diagonal / total;
  let pe = 0;
  for (let i = 0; i < k; i++) pe += (rowSum[i] / total) * (colSum[i] / total);
  return pe === 1 ? NaN : (po - pe) / (1 - pe);
}

/**
 * Fleiss' kappa from an items x categories table of counts: counts[i][j] is the
 * number of raters who put item i in category j. Every item must have the same
 * number of raters (at least 2).
 */
export function fleissKappa(counts: readonly (readonly number[])[]): number {
  const N = counts.length;
  if (N === 0) return NaN;
  const k = counts[0].length;
  const n = counts[0].reduce((s, c) => s + c, 0);
  if (n < 2) throw new Error('fleissKappa: each item needs at least two ratings');
  const categoryTotals = new Array<number>(k).fill(0);
  let sumP = 0;
  for (const row of counts) {
    if (row.length !== k) throw new Error('fleissKappa: every item needs a count for every category');
    const m = row.reduce((s, c) => s + c, 0);
    if (m !== n) throw new Error(`fleissKappa: every item needs the same number of ratings (${n}), one has ${m}`);
    let sq = 0;
    row.forEach((c, j) => {
      sq += c * c;
      categoryTotals[j] += c;
    });
    sumP += (sq - n) / (n * (n - 1));
  }
  const pBar = sumP / N;
  const pe = categoryTotals.reduce((s, t) => s + (t / (N * n)) ** 2, 0);
  return pe === 1 ? NaN : (pBar - pe) / (1 - pe);
}

/** Items x raters labels -> items x categories counts, for fleissKappa. */
export function countsPerItem<T>(labels: readonly (readonly T[])[]): number[][] {
  const categories = [...new Set(labels.flat())];
  const index = new Map(categories.map((c, j) => [c, j]));
  return labels.map((row) => {
    const counts = new Array<number>(categories.length).fill(0);
    for (const l of row) counts[index.get(l)!]++;
    return counts;
  });
}

/**
 * Agreement between the reviewers who labelled these items (item -> reviewer
 * -> label; or the ones named): Cohen's kappa for two, Fleiss' kappa for three or more, over
 * the candidates every one of them labelled; plus Cohen's kappa per pair.
 */
export function agreementOf(labels: Map<number, Map<string, ReviewLabel>>, reviewers?: string[]): Agreement {
  const names = reviewers?.length
    ? [...new Set(reviewers)].sort()
    : [...new Set([...labels.values()].flatMap((m) => [...m.keys()]))].sort();
  const complete = [...labels.values()].filter((m) => names.every((n) => m.has(n))).map((m) => names.map((n) => m.get(n)!));
  const result: Agreement = {
    reviewers: names,
    items: names.length ? complete.length : 0,
    percentAgreement: 0,
    pairs: [],
  };
  if (names.length >= 2 && complete.length) {
    result.percentAgreement = (100 * complete.filter((row) => row.every((l) => l === row[0])).length) / complete.length;
    const k = names.length === 2 ? cohenKappa(complete.map((r) => r[0]), complete.map((r) => r[1])) : fleissKappa(countsPerItem(complete));
    if (Number.isFinite(k)) {
      if (names.length === 2) result.cohenKappa = k;
      else result.fleissKappa = k;
    }
  }
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const both = [...labels.values()].filter((m) => m.has(names[i]) && m.has(names[j]));
      const a = both.map((m) => m.get(names[i])!);
      const b = both.map((m) => m.get(names[j])!);
      const kappa = both.length ? cohenKappa(a, b) : NaN;
      result.pairs.push({
        a: names[i],
        b: names[j],
        n: both.length,
        agreed: a.filter((l, k) => l === b[k]).length,
        kappa: Number.isFinite(kappa) ? kappa : null,
      });
    }
  }
  return result;
}
