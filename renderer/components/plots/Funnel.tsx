/**
 * The funnel: sources entering and leaving each stage (summary.stages) as
 * horizontal bars — kept part solid, dropped part split by reason — so every
 * dropped source is accounted for. Sources a stage flagged but kept (e.g. a
 * possible asteroid) are a thin amber bar under the kept part, by reason.
 * Plain SVG.
 */
import type { StageCount } from '../../../electron/pipeline/types';
import { isSkipNote } from '../../lib/ledger';

/**
 * One colour per drop reason, the same in every run and every funnel (a
 * reviewer learns them): the pipeline's reasons have their own, any other
 * reason gets one of the spare colours by a hash of its name.
 */
const REASON_COLOURS: Record<string, string> = {
  flags: '#8d99ae',
  fwhm: '#e9c46a',
  elongation: '#f4a261',
  symmetry: '#b5838d',
  snr: '#e76f51',
  spread_model: '#c77dff',
  blue_match: '#6aa8ff',
  gaia: '#90be6d',
  ps1: '#84a59d',
  supercosmos: '#43aa8b',
  ptf: '#f9c74f',
  vsx: '#f8961e',
  usnob: '#577590',
  twomass: '#4d908e',
  asteroid: '#ff7b9c',
  dec_cut: '#f28482',
  duplicate: '#adb5bd',
  'bright-star': '#ffd166',
  centre_distance: '#9c89b8',
};
const SPARE_COLOURS = ['#ef476f', '#06d6a0', '#118ab2', '#b388eb', '#f07167', '#00afb9', '#fed9b7', '#a7c957'];

export function reasonColour(reason: string): string {
  const fixed = REASON_COLOURS[reason];
  if (fixed) return fixed;
  let h = 0;
  for (let i = 0; i < reason.length; i++) h = (h * 31 + reason.charCodeAt(i)) >>> 0;
  return SPARE_COLOURS[h % SPARE_COLOURS.length];
}

export function Funnel({ stages, width = 760 }: { stages: StageCount[]; width?: number }) {
  const max = Math.max(1, ...stages.map((s) => s.input));
  const reasons = [...new Set(stages.flatMap((s) => Object.keys(s.dropped)))];
  // A skipped stage's per-candidate notes are said by its "skipped" text instead.
  const flagsOf = (s: StageCount) => Object.entries(s.flagged ?? {}).filter(([r, n]) => n > 0 && !isSkipNote(r));
  const flagReasons = [...new Set(stages.flatMap((s) => flagsOf(s).map(([r]) => r)))];
  const rowH = 32;
  const labelW = 130;
  const numW = flagReasons.length ? 270 : 150;
  const barW = width - labelW - numW;
  const legendRows = Math.ceil((reasons.length + 1) / 4) + (flagReasons.length ? 1 : 0);
  const height = stages.length * rowH + 16 + legendRows * 16;
  const x = (n: number) => (n / max) * barW;
  return (
    <svg className="funnel" width={width} height={height} role="img" aria-label="Funnel of counts per stage" data-testid="funnel">
      {stages.map((s, i) => {
        const y = i * rowH + 4;
        let offset = x(s.output);
        const dropped = Object.entries(s.dropped).filter(([, n]) => n > 0);
        const removed = Math.max(0, s.input - s.output);
        // A source can fail several cuts, so per-reason counts may add up to more
        // than were removed: the removed part is split in proportion to them.
        const reasonSum = dropped.reduce((a, [, n]) => a + n, 0);
        const share = reasonSum > 0 ? removed / reasonSum : 0;
        const flagged = flagsOf(s);
        const flaggedTotal = flagged.reduce((a, [, n]) => a + n, 0);
        let flagOffset = 0;
        return (
          <g key={s.name} transform={`translate(0, ${y})`}>
            <text x={0} y={15} className="axis-label">
              {s.name}
            </text>
            <g transform={`translate(${labelW}, 0)`} display={s.skipped ? 'none' : undefined}>
              <rect x={0} y={2} width={Math.max(0, x(s.input))} height={18} className="bar-input" />
              <rect x={0} y={2} width={Math.max(0, x(s.output))} height={18} className="bar-kept">
                <title>{`${s.output} kept of ${s.input}`}</title>
              </rect>
              {dropped.map(([reason, n]) => {
                const w = x(n * share);
                const r = (
                  <rect key={reason} x={offset} y={2} width={Math.max(0.5, w)} height={18} fill={reasonColour(reason)}>
                    <title>{`${reason}: ${n} failed this cut${reasonSum > removed ? ' (sources can fail several cuts)' : ''}`}</title>
                  </rect>
                );
                offset += w;
                return r;
              })}
              {reasonSum === 0 && removed > 0 && (
                <rect x={offset} y={2} width={Math.max(0.5, x(removed))} height={18} className="bar-unattributed">
                  <title>{`${removed} removed; the stage recorded no reason`}</title>
                </rect>
              )}
              {flagged.map(([reason, n], k) => {
                const w = x(n);
                const r = (
                  <rect key={reason} x={flagOffset} y={22} width={Math.max(1, w)} height={4} className="bar-flag" opacity={1 - 0.25 * (k % 3)}>
                    <title>{`${reason}: ${n} flagged, kept`}</title>
                  </rect>
                );
                flagOffset += w;
                return r;
              })}
            </g>
            <text x={labelW + barW + 8} y={15} className="num">
              {s.skipped ? `skipped` : `${s.input} → ${s.output}`}
              {s.blue && !s.skipped && <tspan className="blue-num">{` · blue ${s.blue.input} → ${s.blue.output}`}</tspan>}
              {removed > 0 ? ` (−${removed})` : ''}
              {flaggedTotal > 0 && (
                <tspan className="flag-num">{` ⚑ ${flagged.map(([r, n]) => `${n} ${r}`).join(', ')}`}</tspan>
              )}
            </text>
            {s.skipped && (
              <text x={labelW + 4} y={15} className="skipped">
                {s.skipped}
              </text>
            )}
          </g>
        );
      })}
      <g transform={`translate(${labelW}, ${stages.length * rowH + 12})`}>
        <rect x={0} y={-9} width={10} height={10} className="bar-kept" />
        <text x={14} y={0} className="legend">
          kept
        </text>
        {reasons.map((r, i) => (
          <g key={r} transform={`translate(${((i + 1) % 4) * 150}, ${Math.floor((i + 1) / 4) * 16})`}>
            <rect x={0} y={-9} width={10} height={10} fill={reasonColour(r)} />
            <text x={14} y={0} className="legend">
              {r}
            </text>
          </g>
        ))}
        {flagReasons.length > 0 && (
          <g transform={`translate(0, ${Math.ceil((reasons.length + 1) / 4) * 16})`}>
            <rect x={0} y={-6} width={10} height={4} className="bar-flag" />
            <text x={14} y={0} className="legend">
              {`flagged, kept: ${flagReasons.join(', ')}`}
            </text>
          </g>
        )}
      </g>
    </svg>
  );
}
