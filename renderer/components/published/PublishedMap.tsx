/**
 * The published sources on the red plate (FITS pixels, y up), over the run's
 * extracted sources (grey): green where the run kept a candidate, amber where
 * a stage dropped the source found there, red where nothing was detected.
 * Plain SVG, like the plots' PlateScatter.
 */
import type { PublishedRow } from './published-store';

export function stageClass(stage: string): string {
  return stage === 'candidate' ? 'kept' : stage === 'not-detected' ? 'undetected' : 'dropped';
}

export function PublishedMap({
  rows, plate, sources, selectedId, size = 420, onPick,
}: {
  rows: PublishedRow[];
  plate: { width: number; height: number };
  sources: { x: number[]; y: number[] } | null;
  selectedId: number | null;
  size?: number;
  onPick(id: number): void;
}) {
  const m = 24;
  const s = (size - 2 * m) / Math.max(plate.width, plate.height, 1);
  const X = (x: number) => m + (x - 0.5) * s;
  const Y = (y: number) => size - m - (y - 0.5) * s;
  const stride = sources ? Math.max(1, Math.ceil(sources.x.length / 4000)) : 1;
  const dots: number[] = [];
  if (sources) for (let i = 0; i < sources.x.length; i += stride) dots.push(i);
  // The selected marker last, so it is drawn on top.
  const ordered = [...rows.filter((r) => r.id !== selectedId), ...rows.filter((r) => r.id === selectedId)];
  return (
    <svg width={size} height={size} className="scatter published-map" role="img" aria-label="Published sources on the plate" data-testid="published-map">
      <rect x={X(0.5)} y={Y(plate.height + 0.5)} width={plate.width * s} height={plate.height * s} className="plate-outline" />
      {dots.map((i) => (
        <circle key={i} cx={X(sources!.x[i])} cy={Y(sources!.y[i])} r={1} className="src-dot" />
      ))}
      {ordered.map((r) => (
        <g
          key={r.id}
          className={`pub-marker ${stageClass(r.stage)}${r.id === selectedId ? ' selected' : ''}`}
          data-testid="published-marker"
          data-id={r.id}
          onClick={() => onPick(r.id)}
        >
          <rect x={X(r.x) - 4} y={Y(r.y) - 4} width={8} height={8} transform={`rotate(45 ${X(r.x)} ${Y(r.y)})`} />
          <title>{`${r.publishedId}: ${r.stage}`}</title>
        </g>
      ))}
      <g className="pub-legend" transform={`translate(${m}, 14)`}>
        {(['kept', 'dropped', 'undetected'] as const).map((k, i) => (
          <g key={k} className={`pub-marker ${k}`} transform={`translate(${i * 100}, 0)`}>
            <rect x={0} y={-6} width={7} height={7} />
            <text x={12} y={1} className="tick">{k === 'kept' ? 'candidate' : k === 'dropped' ? 'dropped' : 'not detected'}</text>
          </g>
        ))}
      </g>
    </svg>
  );
}
