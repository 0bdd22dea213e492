import { useMemo } from 'react';
import { usableSolution } from '../../../electron/astro/plate-solution';
import type { FitsImage } from '../../lib/fits';
import { decDms, fmt, raHms } from '../../lib/format';
import type { HoverInfo } from './FitsCanvas';

/**
 * Pixel, value and sky position under the cursor (from the image's own WCS
 * header), in four lines. `compact` (a narrow picture) leaves out the
 * decimal degrees, which the candidate panel shows anyway.
 */
export function PixelReadout({ image, hover, compact = false }: { image: FitsImage | null; hover: HoverInfo | null; compact?: boolean }) {
  const wcs = useMemo(() => (image ? usableSolution(image.header) : null), [image]);
  const sky = hover && wcs ? wcs.pixToSky(hover.x, hover.y) : null;
  const deg = (v: number | undefined) => (compact ? '' : ` (${sky ? fmt(v!, 5) : '—'}°)`);
  return (
    <div className="readout mono" data-testid="pixel-readout">
      <span>x {hover ? fmt(hover.x, 1) : '—'}</span>
      <span>y {hover ? fmt(hover.y, 1) : '—'}</span>
      <span>val {hover ? fmt(hover.value, 1) : '—'}</span>
      <span className="muted">{wcs ? wcs.kind.toUpperCase() : 'no WCS'}</span>
      <span className="readout-sky">
        α {sky ? raHms(sky[0]) : '—'}
        {deg(sky?.[0])}
      </span>
      <span className="readout-sky">
        δ {sky ? decDms(sky[1]) : '—'}
        {deg(sky?.[1])}
      </span>
    </div>
  );
}
