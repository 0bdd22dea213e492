/**
 * Red and blue stamps of the selected candidate, each with its own stretch,
 * a crosshair on the candidate, the pixel/sky readout and "save as FITS".
 */
import { useState } from 'react';
import type { Band } from '../../../electron/pipeline/types';
import { call, type MethodResult } from '../../api';
import { downloadBytes, type FitsImage } from '../../lib/fits';
import { epoch } from '../../lib/format';
import { useDisplay } from '../../stores/display';
import { useSelection } from '../../stores/selection';
import { FitsCanvas, type HoverInfo, type ViewState } from './FitsCanvas';
import { PixelReadout } from './PixelReadout';
import { StretchControls } from './StretchControls';
import { useFitsImages } from './useFits';

const SIZES = [48, 64, 128];
const CANVAS = 200;

function Stamp({ band, candidateId, sizePx, plate, epochJulian }: {
  band: Band;
  candidateId: number;
  sizePx: number;
  plate: string;
  epochJulian: number | null;
}) {
  const frame = useDisplay((s) => s.frames[band]);
  const [view, setView] = useState<ViewState>({ zoom: 1, panX: 0, panY: 0 });
  const [hover, setHover] = useState<HoverInfo | null>(null);
  const { images, error, loading } = useFitsImages<MethodResult<'cutout.get'>, { img: FitsImage; cx: number; cy: number }>(
    `${candidateId}:${band}:${sizePx}`,
    'cutout.get',
    () => call('cutout.get', { candidateId, band, sizePx }),
    async (r, dec) => ({ img: await dec(r.fitsBase64), cx: r.centerX, cy: r.centerY }),
  );
  return (
    <div className={`stamp stamp-${band}`}>
      <div className="stamp-head">
        <span className={`band-tag ${band}`}>{band.toUpperCase()}</span>
        <span className="mono">{plate}</span>
        <span className="mono muted">{epoch(epochJulian)}</span>
        <span className="spacer" />
        <StretchControls band={band} />
        <button
          disabled={!images}
          title="download this cutout as a FITS file"
          onClick={() => images && downloadBytes(images.img.bytes, `vasco-cand${candidateId}-${band}-${plate}.fits`, 'application/fits')}
        >
          save FITS
        </button>
      </div>
      <div className="stamp-body" style={{ width: CANVAS, height: CANVAS }}>
        {images && (
          <FitsCanvas
            image={images.img}
            stretch={frame.stretch}
            limits={frame.limits}
            size={CANVAS}
            view={view}
            onView={setView}
            marker={{ x: images.cx, y: images.cy }}
            onHover={setHover}
            testId={`cutout-${band}`}
          />
        )}
        {!images && loading && <div className="placeholder">loading {band} cutout…</div>}
        {error && (
          <div className="placeholder error-inline">
            {error.message}
            {error.hint && <div className="error-hint">→ {error.hint}</div>}
          </div>
        )}
      </div>
      <PixelReadout image={images?.img ?? null} hover={hover} />
    </div>
  );
}

export function CutoutPanel() {
  const detail = useSelection((s) => s.detail);
  const [sizePx, setSizePx] = useState(64);
  if (!detail) return <section className="panel cutouts"><div className="placeholder">select a candidate</div></section>;
  const { row, plates } = detail;
  return (
    <section className="panel cutouts" data-testid="cutout-panel">
      <header className="panel-head">
        <h3>Cutouts</h3>
        <label className="field">
          <span>size</span>
          <select aria-label="Cutout size" value={sizePx} onChange={(e) => setSizePx(Number(e.target.value))}>
            {SIZES.map((s) => (
              <option key={s} value={s}>
                {s} px
              </option>
            ))}
          </select>
        </label>
      </header>
      <div className="stamps">
        <Stamp band="red" candidateId={row.id} sizePx={sizePx} plate={plates.red.region} epochJulian={plates.red.epochJulian} />
        {plates.blue ? (
          <Stamp band="blue" candidateId={row.id} sizePx={sizePx} plate={plates.blue.region} epochJulian={plates.blue.epochJulian} />
        ) : (
          <div className="stamp stamp-none">
            <div className="stamp-head">
              <span className="band-tag blue">BLUE</span>
            </div>
            <div className="placeholder" style={{ width: CANVAS, height: CANVAS }} data-testid="no-blue-note">
              <span>no blue plate</span>
              <span className="muted small">red-only run: nothing to compare with</span>
            </div>
          </div>
        )}
      </div>
    </section>
  );
}
