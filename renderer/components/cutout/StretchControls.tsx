import type { Band } from '../../../electron/pipeline/types';
import { useDisplay } from '../../stores/display';
import type { LimitsName, StretchName } from '../../lib/stretch';

const STRETCHES: StretchName[] = ['linear', 'asinh', 'log'];
const LIMITS: LimitsName[] = ['zscale', 'p99.5', 'minmax'];

/** Stretch and limits of one frame (red or blue). */
export function StretchControls({ band }: { band: Band }) {
  const frame = useDisplay((s) => s.frames[band]);
  const setFrame = useDisplay.getState().setFrame;
  return (
    <span className="stretch-controls">
      <select aria-label={`${band} limits`} value={frame.limits} onChange={(e) => setFrame(band, { limits: e.target.value as LimitsName })}>
        {LIMITS.map((l) => (
          <option key={l} value={l}>
            {l}
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
    </span>
  );
}
