/**
 * A histogram with its cuts drawn (plain SVG): bins from runs.histograms, cut
 * lines labelled. With `onBin`, a bin is a button: it lists the candidates in
 * it; the listed bin (`active`) is outlined.
 */
export function Histogram({
  title, unit, edges, counts, cuts, keep, width = 380, height = 200, onBin, active = null,
}: {
  title: string;
  unit: string;
  edges: number[];
  counts: number[];
  cuts: { value: number; label: string }[];
  /** Which side of the cuts is kept, for shading: inside [lo, hi]. */
  keep: [number, number];
  width?: number;
  height?: number;
  onBin?(min: number, max: number): void;
  active?: [number, number] | null;
}) {
  // Cut labels sit in the top margin, above the bars, so they never hide a bin.
  const m = { l: 44, r: 22, t: 34, b: 30 };
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  if (edges.length < 2) return <div className="placeholder">no data for {title}</div>;
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  const maxC = Math.max(1, ...counts);
  const X = (v: number) => ((v - lo) / (hi - lo || 1)) * w;
  const Y = (c: number) => h - (c / maxC) * h;
  const ticks = [lo, lo + (hi - lo) / 4, lo + (hi - lo) / 2, lo + (3 * (hi - lo)) / 4, hi];
  return (
    <svg width={width} height={height} className="histogram" role="img" aria-label={title}>
      <text x={m.l} y={14} className="plot-title">
        {title}
      </text>
      <g transform={`translate(${m.l}, ${m.t})`}>
        {counts.map((c, i) => {
          const mid = (edges[i] + edges[i + 1]) / 2;
          const kept = mid >= keep[0] && mid <= keep[1];
          return (
            <g key={i} className={onBin ? 'hist-bin clickable' : 'hist-bin'} data-bin={i} data-min={edges[i]} data-max={edges[i + 1]} onClick={() => onBin?.(edges[i], edges[i + 1])}>
              {/* The whole column is the target, so a short bar is as easy to hit as a tall one. */}
              <rect x={X(edges[i])} y={0} width={Math.max(0.5, X(edges[i + 1]) - X(edges[i]))} height={h} className="hist-hit" />
              <rect x={X(edges[i])} y={Y(c)} width={Math.max(0.5, X(edges[i + 1]) - X(edges[i]) - 0.5)} height={h - Y(c)}
                className={`${kept ? 'hist-kept' : 'hist-cut'}${active && active[0] === edges[i] && active[1] === edges[i + 1] ? ' hist-active' : ''}`} />
              <title>{`${edges[i].toPrecision(4)} … ${edges[i + 1].toPrecision(4)}: ${c} red sources${onBin ? ' — click: list the candidates in this bin' : ''}`}</title>
            </g>
          );
        })}
        {cuts
          .filter((c) => c.value >= lo && c.value <= hi)
          .map((c) => (
            <g key={c.label}>
              <line x1={X(c.value)} x2={X(c.value)} y1={-10} y2={h} className="cut-line" />
              <text
                x={X(c.value) > w * 0.7 ? X(c.value) - 3 : X(c.value) + 3}
                y={-3}
                className="cut-label"
                textAnchor={X(c.value) > w * 0.7 ? 'end' : 'start'}
              >
                {c.label}
              </text>
            </g>
          ))}
        <line x1={0} x2={w} y1={h} y2={h} className="axis" />
        {ticks.map((t, i) => (
          <text key={i} x={X(t)} y={h + 14} className="tick" textAnchor="middle">
            {Math.abs(hi - lo) < 0.2 ? t.toFixed(3) : t.toFixed(1)}
          </text>
        ))}
        <text x={w} y={h + 27} className="tick" textAnchor="end">
          {unit}
        </text>
        <text x={-6} y={6} className="tick" textAnchor="end">
          {maxC}
        </text>
        <text x={-6} y={h} className="tick" textAnchor="end">
          0
        </text>
      </g>
    </svg>
  );
}
