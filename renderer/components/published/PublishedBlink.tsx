/**
 * Red and blue frames at a published source's own position (published.blink:
 * one TAN grid for both), flipped with the button or `b`; the published
 * position is the crosshair, so an empty-sky row shows what lies there.
 */
import { useEffect, useState } from 'react';
import { call, type MethodResult } from '../../api';
import type { FitsImage } from '../../lib/fits';
import { useDisplay } from '../../stores/display';
import { FitsCanvas } from '../cutout/FitsCanvas';
import { useFitsImages } from '../cutout/useFits';

const SIZE_ARCSEC = 120;

export function PublishedBlink({ publishedId, size }: { publishedId: number; size: number }) {
  const d = useDisplay();
  const [frame, setFrame] = useState<'red' | 'blue'>('red');
  const [view, setView] = useState({ zoom: 1, panX: 0, panY: 0 });
  const { images, error, loading } = useFitsImages<MethodResult<'published.blink'>, { red: FitsImage; blue: FitsImage | null }>(
    String(publishedId),
    'published.blink',
    () => call('published.blink', { publishedId, sizeArcsec: SIZE_ARCSEC }),
    async (r, dec) => ({ red: await dec(r.red), blue: r.blue ? await dec(r.blue) : null }),
  );
  const hasBlue = !!images?.blue;
  const shown = frame === 'blue' && images?.blue ? images.blue : images?.red;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'b' && !(e.target instanceof HTMLInputElement)) setFrame((f) => (f === 'red' && hasBlue ? 'blue' : 'red'));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [hasBlue]);
  const band = shown === images?.blue ? 'blue' : 'red';
  return (
    <div className="published-blink" data-testid="published-blink" data-frame={band}>
      <div className="panel-head">
        <button onClick={() => setFrame(band === 'red' && hasBlue ? 'blue' : 'red')} disabled={!hasBlue} title="flip frame (b)">
          flip
        </button>
        <span className={`band-tag ${band}`}>{band.toUpperCase()}</span>
        <span className="mono muted">{SIZE_ARCSEC}″ at the published position</span>
      </div>
      <div style={{ width: size, height: size, position: 'relative' }}>
        {shown && (
          <FitsCanvas image={shown} stretch={d.frames[band].stretch} limits={d.frames[band].limits} size={size} view={view} onView={setView}
            marker={{ x: (shown.width + 1) / 2, y: (shown.height + 1) / 2 }} testId="published-frame" />
        )}
        {!images && loading && <div className="placeholder">loading frames…</div>}
        {error && <div className="placeholder error-inline">{error.message}{error.hint && <div className="error-hint">→ {error.hint}</div>}</div>}
      </div>
    </div>
  );
}
