/**
 * The funnel: sources entering and leaving each stage (summary.stages) as
 * horizontal bars — kept part solid, dropped part split by reason — so every
 * dropped source is accounted for. Plain SVG.
 */
import type { StageCount } from '../../../electron/pipeline/types';

const REASON_COLOURS = ['#e76f51', '#f4a261', '#e9c46a', '#b5838d', '#8d99ae', '#c77dff', '#ff7b9c', '#90be6d', '#f28482', '#84a59d'];

export function reasonColour(reason: string, all: string[]): string {
  return REASON_COLOURS[all.indexOf(reason) % REASON_COLOURS.length];
}

export function Funnel({ stages, width = 760 }: { stages: StageCount[]; width?: number }) {
  const max = Math.max(1, ...stages.map((s) => s.input));
  const reasons = [...new Set(stages.flatMap((s) => Object.keys(s.dropped)))];
  const rowH = 30;
  const labelW = 130;
  const numW = 150;
  const barW = width - labelW - numW;
  const height = stages.length * rowH + 30 + Math.ceil(reasons.length / 4) * 16;
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
                  <rect key={reason} x={offset} y={2} width={Math.max(0.5, w)} height={18} fill={reasonColour(reason, reasons)}>
                    <title>{`${reason}: ${n} failed this cut${reasonSum > removed ? ' (sources can fail several cuts)' : ''}`}</title>
                  </rect>
                );
                offset += w;
                return r;
              })}
            </g>
            <text x={labelW + barW + 8} y={15} className="num">
              {s.skipped ? `skipped` : `${s.input} → ${s.output}`}
              {removed > 0 ? ` (−${removed})` : ''}
            </text>
            {s.skipped && (
              <text x={labelW + 4} y={15} className="skipped">
                {s.skipped}
              </text>
            )}
          </g>
        );
      })}
      <g transform={`translate(${labelW}, ${stages.length * rowH + 14})`}>
        <rect x={0} y={-9} width={10} height={10} className="bar-kept" />
        <text x={14} y={0} className="legend">
          kept
        </text>
        {reasons.map((r, i) => (
          <g key={r} transform={`translate(${((i + 1) % 4) * 150}, ${Math.floor((i + 1) / 4) * 16})`}>
            <rect x={0} y={-9} width={10} height={10} fill={reasonColour(r, reasons)} />
            <text x={14} y={0} className="legend">
              {r}
            </text>
          </g>
        ))}
      </g>
    </svg>
  );
}
