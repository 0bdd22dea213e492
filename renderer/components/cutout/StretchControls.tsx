import { useDisplay, type FrameName } from '../../stores/display';
import { COLORMAPS, type ColormapName } from '../../lib/colormaps';
import type { Limits, LimitsName, StretchName } from '../../lib/stretch';

const STRETCHES: StretchName[] = ['linear', 'asinh', 'log'];
const LIMITS: { name: LimitsName; title: string }[] = [
  { name: 'zscale', title: 'zscale' },
  { name: 'p99.5', title: 'p99.5' },
  { name: 'minmax', title: 'minmax' },
  { name: 'percentile', title: 'percentiles…' },
  { name: 'manual', title: 'min/max…' },
];

/**
 * Limits, stretch, colour map and invert of one frame (red, blue or the
 * difference); with `extended`, the reviewer's own limits (percentiles or
 * values; `current` seeds the values) and the other band's contours.
 */
export function StretchControls({ band, extended = false, current, contoursOf }: { band: FrameName; extended?: boolean; current?: Limits | null; contoursOf?: string }) {
  const frame = useDisplay((s) => s.frames[band]);
  const setFrame = useDisplay.getState().setFrame;
  const setLimits = (limits: LimitsName) =>
    setFrame(band, limits === 'manual' && !frame.values && current ? { limits, values: { lo: round(current.vmin), hi: round(current.vmax) } } : { limits });
  const main = (
    <span className="stretch-controls">
      <select aria-label={`${band} limits`} value={frame.limits} onChange={(e) => setLimits(e.target.value as LimitsName)}>
        {LIMITS.filter((l) => extended || (l.name !== 'percentile' && l.name !== 'manual') || l.name === frame.limits).map((l) => (
          <option key={l.name} value={l.name}>
            {l.title}
          </option>
        ))}
      </select>
      <select aria-label={`${band} stretch`} value={frame.stretch} onChange={(e) => setFrame(band, { stretch: e.target.value as StretchName })}>
        {STRETCHES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <select aria-label={`${band} colormap`} value={frame.colormap} onChange={(e) => setFrame(band, { colormap: e.target.value as ColormapName })}>
        {COLORMAPS.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      <label className="check" title="invert the colour map">
        <input type="checkbox" aria-label={`${band} invert`} checked={frame.invert} onChange={(e) => setFrame(band, { invert: e.target.checked })} />
        inv
      </label>
    </span>
  );
  if (!extended) return main;
  const user = frame.limits === 'percentile' ? frame.percentiles : frame.limits === 'manual' ? frame.values : null;
  const setUser = (patch: Partial<{ lo: number; hi: number }>) => {
    if (!user || Object.values(patch).some((v) => !Number.isFinite(v))) return;
    setFrame(band, frame.limits === 'percentile' ? { percentiles: { ...user, ...patch } } : { values: { ...user, ...patch } });
  };
  return (
    <span className="stretch-controls-extended">
      {main}
      {user && (
        <span className="user-limits">
          <input type="number" aria-label={`${band} lower limit`} value={user.lo} step={frame.limits === 'percentile' ? 0.5 : 'any'}
            onChange={(e) => setUser({ lo: e.target.valueAsNumber })} />
          …
          <input type="number" aria-label={`${band} upper limit`} value={user.hi} step={frame.limits === 'percentile' ? 0.5 : 'any'}
            onChange={(e) => setUser({ hi: e.target.valueAsNumber })} />
          {frame.limits === 'percentile' ? '%' : ''}
        </span>
      )}
      {contoursOf && band !== 'diff' && (
        <label className="check" title={`draw the ${contoursOf} cutout's contours over this one (levels: its white point, then doublings)`}>
          <input type="checkbox" aria-label={`${contoursOf} contours on ${band}`} checked={frame.contours} onChange={(e) => setFrame(band, { contours: e.target.checked })} />
          {contoursOf} contours
        </label>
      )}
    </span>
  );
}

const round = (v: number) => Number(v.toPrecision(5));
