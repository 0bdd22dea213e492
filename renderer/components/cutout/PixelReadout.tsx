import { useMemo } from 'react';
import { usableSolution } from '../../../electron/astro/plate-solution';
import type { FitsImage } from '../../lib/fits';
import { decDms, fmt, raHms } from '../../lib/format';
import type { HoverInfo } from './FitsCanvas';

/** Pixel, value and sky position under the cursor (from the image's own WCS header). */
export function PixelReadout({ image, hover }: { image: FitsImage | null; hover: HoverInfo | null }) {
  const wcs = useMemo(() => (image ? usableSolution(image.header) : null), [image]);
  const sky = hover && wcs ? wcs.pixToSky(hover.x, hover.y) : null;
  return (
    <div className="readout mono" data-testid="pixel-readout">
      <span>x {hover ? fmt(hover.x, 1).padStart(6) : '     —'}</span>
      <span>y {hover ? fmt(hover.y, 1).padStart(6) : '     —'}</span>
      <span>val {hover ? fmt(hover.value, 1).padStart(8) : '       —'}</span>
      <span>
        α {sky ? raHms(sky[0]) : '—'} ({sky ? fmt(sky[0], 5) : '—'}°)
      </span>
      <span>
        δ {sky ? decDms(sky[1]) : '—'} ({sky ? fmt(sky[1], 5) : '—'}°)
      </span>
      <span className="muted">{wcs ? wcs.kind.toUpperCase() : 'no WCS'}</span>
    </div>
  );
}
