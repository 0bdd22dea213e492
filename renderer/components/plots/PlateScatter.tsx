/** Sources (grey) and candidates (green) on the plate, FITS pixels, y up. Plain SVG. */
import type { CandidateRow } from '../../api';

export function PlateScatter({
  positions, candidates, selectedId, size = 380, onPick,
}: {
  positions: { x: number[]; y: number[]; width: number; height: number };
  candidates: CandidateRow[];
  selectedId: number | null;
  size?: number;
  onPick?(id: number): void;
}) {
  const m = 30;
  const s = (size - 2 * m) / Math.max(positions.width, positions.height, 1);
  const X = (x: number) => m + (x - 0.5) * s;
  const Y = (y: number) => size - m - (y - 0.5) * s;
  // An SVG with 100k circles is slow; every n-th source is enough for the picture.
  const stride = Math.max(1, Math.ceil(positions.x.length / 4000));
  const shown: number[] = [];
  for (let i = 0; i < positions.x.length; i += stride) shown.push(i);
  return (
    <svg width={size} height={size} className="scatter" role="img" aria-label="Candidates on the plate">
      <text x={m} y={16} className="plot-title">
        sources{stride > 1 ? ` (1 in ${stride})` : ''} and candidates on the plate (px)
      </text>
      <rect x={X(0.5)} y={Y(positions.height + 0.5)} width={positions.width * s} height={positions.height * s} className="plate-outline" />
      {shown.map((i) => (
        <circle key={i} cx={X(positions.x[i])} cy={Y(positions.y[i])} r={1} className="src-dot" />
      ))}
      {candidates.map((c) => (
        <circle
          key={c.id}
          cx={X(c.x)}
          cy={Y(c.y)}
          r={c.id === selectedId ? 5 : 3}
          className={c.id === selectedId ? 'cand-dot selected' : 'cand-dot'}
          onClick={() => onPick?.(c.id)}
        >
          <title>{`#${c.id} (${c.x.toFixed(1)}, ${c.y.toFixed(1)})`}</title>
        </circle>
      ))}
      <text x={X(0.5)} y={size - 10} className="tick">
        1
      </text>
      <text x={X(positions.width)} y={size - 10} className="tick" textAnchor="end">
        {positions.width}
      </text>
    </svg>
  );
}
