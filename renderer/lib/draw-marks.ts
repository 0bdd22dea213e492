/**
 * Performance marks of the review screen, read by bench/review.bench.ts:
 * `vasco:select` when a candidate is chosen, `vasco:drawn` when a panel has
 * drawn it (detail: { panel, candidateId }).
 */
export function markSelect(candidateId: number): void {
  performance.mark('vasco:select', { detail: { candidateId } });
}

export function markDrawn(panel: string, candidateId: number): void {
  performance.mark('vasco:drawn', { detail: { panel, candidateId } });
}
