/**
 * The survey on the sky: every plate's footprint filled by its state, the
 * candidates as dots coloured by label, an RA/Dec graticule (east left).
 * Clicking a plate filters the candidate table to it (again: every plate);
 * plates with no known position are listed under the map. Plain SVG.
 */
import { useMemo } from 'react';
import { useElementSize } from '../common/useElementSize';
import type { ReviewLabel } from '../../../electron/store/labels';
import type { SurveyOverview, SurveyPlate } from '../../stores/survey';
import { chooseProjection, decLabel, gridStep, raLabel, type SkyProjection } from './sky-projection';
import { STATE_COLOURS, labelColour } from './survey-colours';

const LEGEND: [ReviewLabel | null, string][] = [[null, 'unreviewed'], ['transient', 'transient'], ['unsure', 'unsure'], ['emulsion_defect', 'artefact']];

interface Props {
  overview: SurveyOverview;
  /** The plate the table is filtered to. */
  selected: string | null;
  onPick(plate: string | null): void;
  /** The selected candidate (ringed on the map), and choosing one by its dot. */
  candidateId: number | null;
  onPickCandidate(id: number, plate: string | null): void;
}

/** RA relative to `ra0` in (-180, 180]: a range of RA that may wrap through 0h. */
const relRa = (ra: number, ra0: number) => ((((ra - ra0 + 180) % 360) + 360) % 360) - 180;

/** Graticule lines in plane coordinates: [points, label, where the label sits]. */
function graticule(proj: SkyProjection, pts: [number, number][]) {
  const lines: { d: [number, number][]; label: string; kind: 'ra' | 'dec' }[] = [];
  if (proj.kind === 'allsky') {
    for (let dec = -60; dec <= 60; dec += 30) lines.push({ d: sample(361, (t) => [t - 180, dec]), label: decLabel(dec, 30), kind: 'dec' });
    for (let ra = 0; ra < 360; ra += 30) lines.push({ d: sample(181, (t) => [ra, t - 90]), label: raLabel(ra, 30), kind: 'ra' });
  } else {
    const ra0 = proj.centre.ra;
    const ras = pts.map(([ra]) => relRa(ra, ra0));
    const decs = pts.map(([, dec]) => dec);
    const [r0, r1] = [Math.min(...ras), Math.max(...ras)];
    const [d0, d1] = [Math.min(...decs), Math.max(...decs)];
    const decStep = gridStep(d1 - d0, 5);
    const raStep = gridStep(r1 - r0, 5);
    // Well beyond the plates (the frame clips them): the lines reach every edge of a wide or tall frame.
    const reach = Math.max(r1 - r0, d1 - d0) * 2 + 4 * Math.max(decStep, raStep);
    const [ra1, ra2] = [ra0 + (r0 + r1) / 2 - reach, ra0 + (r0 + r1) / 2 + reach];
    const [de1, de2] = [Math.max(-89.9, (d0 + d1) / 2 - reach), Math.min(89.9, (d0 + d1) / 2 + reach)];
    for (let dec = Math.ceil(de1 / decStep) * decStep; dec <= de2; dec += decStep) {
      lines.push({ d: sample(200, (i) => [ra1 + ((ra2 - ra1) * i) / 199, dec]), label: decLabel(dec, decStep), kind: 'dec' });
    }
    for (let r = Math.ceil(ra1 / raStep) * raStep; r <= ra2; r += raStep) {
      lines.push({ d: sample(200, (i) => [r, de1 + ((de2 - de1) * i) / 199]), label: raLabel(r, raStep), kind: 'ra' });
    }
  }
  return lines.map((l) => ({ ...l, d: l.d.map(([ra, dec]) => proj.project(ra, dec)) }));
}

function sample(n: number, at: (i: number) => [number, number]): [number, number][] {
  return Array.from({ length: n }, (_, i) => at(i));
}

export function SurveyMap({ overview, selected, onPick, candidateId, onPickCandidate }: Props) {
  const [ref, size] = useElementSize<HTMLDivElement>();
  // Before the first measurement: a size that draws (the observer corrects it at once).
  const [w, h] = [size.width || 400, size.height || 300];
  const placed = overview.plates.filter((p) => p.footprint);
  const unplaced = overview.plates.filter((p) => !p.footprint);

  const geometry = useMemo(() => {
    const pts = placed.flatMap((p) => p.footprint!);
    const proj = chooseProjection(pts);
    const grid = graticule(proj, pts);
    const plane = proj.kind === 'allsky' ? [[-162, -81], [162, 81]].map(([x, y]) => [x, y] as [number, number]) : pts.map(([ra, dec]) => proj.project(ra, dec));
    const xs = plane.map((p) => p[0]).filter(Number.isFinite);
    const ys = plane.map((p) => p[1]).filter(Number.isFinite);
    const box = { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) };
    return { proj, grid, box };
  }, [overview]); // eslint-disable-line react-hooks/exhaustive-deps

  const { proj, grid, box } = geometry;
  const margin = { l: 58, r: 14, t: 12, b: 26 };
  const spanX = Math.max(1e-6, box.x1 - box.x0);
  const spanY = Math.max(1e-6, box.y1 - box.y0);
  const pad = 0.06;
  const scale = Math.min((w - margin.l - margin.r) / (spanX * (1 + 2 * pad)), (h - margin.t - margin.b) / (spanY * (1 + 2 * pad)));
  const cx = (box.x0 + box.x1) / 2;
  const cy = (box.y0 + box.y1) / 2;
  const midX = margin.l + (w - margin.l - margin.r) / 2;
  const midY = margin.t + (h - margin.t - margin.b) / 2;
  const toPx = ([x, y]: [number, number]): [number, number] => [midX + (x - cx) * scale, midY - (y - cy) * scale];
  /** An SVG path through points of the plane. */
  const path = (pts: [number, number][], close: boolean) => {
    const px = pts.map(toPx).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    return px.length ? `M${px.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join('L')}${close ? 'Z' : ''}` : '';
  };
  const frame = { x: margin.l, y: margin.t, w: w - margin.l - margin.r, h: h - margin.t - margin.b };
  const byRun = new Map(overview.plates.filter((p) => p.runId !== null).map((p) => [p.runId!, p]));
  const chosenPoint = overview.candidates.find((c) => c.id === candidateId);
  const chosen = chosenPoint ? toPx(proj.project(chosenPoint.ra, chosenPoint.dec)) : null;
  const shown = (runId: number) => selected === null || byRun.get(runId)?.id === selected;

  // Label each grid line where it leaves the frame on the left (Dec) or bottom (RA).
  const gridLabels = grid.flatMap((l) => {
    const px = l.d.map(toPx).filter(([x, y]) => x >= frame.x && x <= frame.x + frame.w && y >= frame.y && y <= frame.y + frame.h);
    if (!px.length) return [];
    const at = l.kind === 'dec' ? px.reduce((a, b) => (b[0] < a[0] ? b : a)) : px.reduce((a, b) => (b[1] > a[1] ? b : a));
    return [{ ...l, at }];
  });

  const plateTitle = (p: SurveyPlate) =>
    `${p.id}${p.region ? ` (${p.region})` : ''}: ${p.state}${p.reason ? ` — ${p.reason}` : ''}${p.runId !== null ? ` · ${p.candidates} candidates` : ''}`;

  return (
    <div className="survey-map" data-testid="survey-map">
      <div className="survey-map-canvas" ref={ref}>
        <svg width={w} height={h} role="img" aria-label={`Sky map of the survey's plates (${proj.kind === 'allsky' ? 'whole sky, Hammer-Aitoff' : 'gnomonic field'}, east left)`}>
          <defs>
            <clipPath id="survey-frame">
              <rect x={frame.x} y={frame.y} width={frame.w} height={frame.h} />
            </clipPath>
          </defs>
          <rect x={frame.x} y={frame.y} width={frame.w} height={frame.h} className="map-frame" onClick={() => onPick(null)} />
          <g clipPath="url(#survey-frame)">
            {grid.map((l, i) => (
              <path key={i} d={path(l.d, false)} className="map-grid" />
            ))}
            {placed.map((p) => (
              <path
                key={p.id}
                d={path(p.footprint!.map(([ra, dec]) => proj.project(ra, dec)), true)}
                className={`map-plate state-${p.state}${selected === p.id ? ' selected' : ''}${selected !== null && selected !== p.id ? ' dimmed' : ''}`}
                style={{ fill: STATE_COLOURS[p.state], stroke: STATE_COLOURS[p.state] }}
                data-plate={p.id}
                data-state={p.state}
                role="button"
                aria-label={`plate ${p.id}, ${p.state}`}
                aria-pressed={selected === p.id}
                onClick={(e) => {
                  e.stopPropagation();
                  onPick(selected === p.id ? null : p.id);
                }}
              >
                <title>{plateTitle(p)}</title>
              </path>
            ))}
            {overview.candidates.map((c) => {
              const [x, y] = toPx(proj.project(c.ra, c.dec));
              if (!Number.isFinite(x)) return null;
              return (
                <circle
                  key={c.id}
                  cx={x}
                  cy={y}
                  r={c.label ? 3.2 : 2.4}
                  className={`map-cand${shown(c.runId) ? '' : ' dimmed'}`}
                  style={{ fill: labelColour(c.label) }}
                  data-candidate={c.id}
                  onClick={(e) => {
                    e.stopPropagation();
                    onPickCandidate(c.id, byRun.get(c.runId)?.id ?? null);
                  }}
                >
                  <title>{`#${c.id} ${c.label ?? 'unreviewed'} (${byRun.get(c.runId)?.id ?? ''})`}</title>
                </circle>
              );
            })}
            {chosen && <circle cx={chosen[0]} cy={chosen[1]} r={7} className="map-chosen" data-testid="map-selected" />}
            {placed.map((p) => {
              const [x, y] = p.footprint!.map((q) => toPx(proj.project(q[0], q[1]))).reduce((a, b) => [a[0] + b[0] / p.footprint!.length, a[1] + b[1] / p.footprint!.length], [0, 0]);
              return (
                <text key={p.id} x={x} y={y} className={`map-plate-label${selected === p.id ? ' selected' : ''}`} textAnchor="middle">
                  {p.id}
                </text>
              );
            })}
          </g>
          {gridLabels.map((l, i) =>
            l.kind === 'dec' ? (
              <text key={i} x={frame.x - 4} y={l.at[1] + 3} className="map-axis" textAnchor="end">
                {l.label}
              </text>
            ) : (
              <text key={i} x={l.at[0]} y={frame.y + frame.h + 14} className="map-axis" textAnchor="middle">
                {l.label}
              </text>
            ),
          )}
          <text x={frame.x + frame.w - 4} y={frame.y + 12} className="map-axis" textAnchor="end">
            {proj.kind === 'allsky' ? 'Hammer-Aitoff · E ←' : 'gnomonic · N ↑ E ←'}
          </text>
        </svg>
      </div>
      <div className="map-foot small">
        <span className="map-legend" title="candidates by consensus label (blind: your own)">
          {LEGEND.map(([label, text]) => (
            <span key={text}>
              <span className="state-dot" style={{ background: labelColour(label) }} />
              {text}
            </span>
          ))}
        </span>
        {unplaced.length > 0 && <span className="muted">· not on the map:</span>}
          {unplaced.map((p) => (
            <button
              key={p.id}
              className={`plate-chip state-${p.state}${selected === p.id ? ' selected' : ''}`}
              style={{ borderColor: STATE_COLOURS[p.state] }}
              data-plate={p.id}
              data-state={p.state}
              title={`${plateTitle(p)}${p.footprintNote ? ` (${p.footprintNote})` : ''}`}
              onClick={() => onPick(selected === p.id ? null : p.id)}
            >
              {p.id} · {p.state}
            </button>
          ))}
      </div>
    </div>
  );
}
