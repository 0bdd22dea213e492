/**
 * Red and blue stamps of the selected candidate, each with its own stretch,
 * limits and colour map, zoom and pan shared by both (wheel or drag either),
 * the other band's contours on request, a crosshair on the candidate, the
 * pixel/sky readout and "save as FITS".
 */
import { useCallback, useMemo, useState } from 'react';
import { usableSolution } from '../../../electron/astro/plate-solution';
import type { Band } from '../../../electron/pipeline/types';
import { contourLevels, marchingSquares, resampleOnto } from '../../lib/contours';
import { markDrawn } from '../../lib/draw-marks';
import { downloadBytes, type FitsImage } from '../../lib/fits';
import { epoch } from '../../lib/format';
import { computeLimits, type Limits } from '../../lib/stretch';
import { useDisplay, type FrameDisplay } from '../../stores/display';
import { useSelection } from '../../stores/selection';
import { FitsCanvas, frameProps, type ContourSet, type HoverInfo } from './FitsCanvas';
import { PixelReadout } from './PixelReadout';
import { StretchControls } from './StretchControls';
import { cutoutRequest, type CutoutImages } from '../../stores/image-cache';
import { useFitsImages } from './useFits';

const SIZES = [48, 64, 128];
const CONTOUR_COLOURS: Record<Band, string> = { red: 'rgba(255, 120, 110, 0.9)', blue: 'rgba(120, 175, 255, 0.95)' };
const other = (band: Band): Band => (band === 'red' ? 'blue' : 'red');

/** The other band's cutout resampled onto `img`'s grid through both WCS, contoured at levels from its own display limits. */
function otherBandContours(img: FitsImage, src: FitsImage, srcFrame: FrameDisplay, color: string): ContourSet[] {
  const wcs = usableSolution(img.header), srcWcs = usableSolution(src.header);
  if (!wcs || !srcWcs) return [];
  const resampled = resampleOnto({ width: img.width, height: img.height, wcs }, { ...src, wcs: srcWcs });
  const { user } = frameProps(srcFrame);
  const limits = computeLimits(src.data, srcFrame.limits, user);
  let peak = -Infinity;
  for (const v of resampled) if (v > peak) peak = v;
  const grid = { data: resampled, width: img.width, height: img.height };
  return contourLevels(limits, peak).map((level) => ({ segments: marchingSquares(grid, level), color }));
}

function Stamp({ band, candidateId, plate, epochJulian, canvasPx, hasOther }: {
  band: Band;
  candidateId: number;
  plate: string;
  epochJulian: number | null;
  /** Side of the picture on screen (CSS px). */
  canvasPx: number;
  /** The other band has a cutout (contours possible). */
  hasOther: boolean;
}) {
  const frame = useDisplay((s) => s.frames[band]);
  const otherFrame = useDisplay((s) => s.frames[other(band)]);
  const sizePx = useDisplay((s) => s.cutoutSizePx);
  const view = useDisplay((s) => s.cutoutView);
  const setView = useDisplay.getState().setCutoutView;
  const [hover, setHover] = useState<HoverInfo | null>(null);
  const [limits, setLimits] = useState<Limits | null>(null);
  const req = cutoutRequest(candidateId, band, sizePx);
  const { images, error, loading } = useFitsImages(req.key, req.method, req.fetcher, req.decode);
  // The other band's cutout comes from the same cache as its own stamp.
  const otherReq = cutoutRequest(candidateId, other(band), sizePx);
  const { images: otherImages } = useFitsImages<Parameters<typeof otherReq.decode>[0], CutoutImages>(
    frame.contours && hasOther ? otherReq.key : null, otherReq.method, otherReq.fetcher, otherReq.decode);
  const contours = useMemo(
    () => (frame.contours && images && otherImages ? otherBandContours(images.img, otherImages.img, otherFrame, CONTOUR_COLOURS[other(band)]) : undefined),
    [frame.contours, images, otherImages, otherFrame, band],
  );
  const marker = useMemo(() => (images ? { x: images.cx, y: images.cy } : null), [images]);
  const onDrawn = useCallback(() => markDrawn(`cutout-${band}`, candidateId), [band, candidateId]);
  return (
    <div className={`stamp stamp-${band}`} style={{ width: canvasPx }}>
      <div className="stamp-head">
        <span className={`band-tag ${band}`}>{band.toUpperCase()}</span>
        <span className="mono">{plate}</span>
        <span className="mono muted">{epoch(epochJulian)}</span>
        <span className="spacer" />
        <button
          disabled={!images}
          title="download this cutout as a FITS file"
          onClick={() => images && downloadBytes(images.img.bytes, `vasco-cand${candidateId}-${band}-${plate}.fits`, 'application/fits')}
        >
          save FITS
        </button>
      </div>
      <div className="stamp-controls">
        <StretchControls band={band} extended current={limits} contoursOf={hasOther ? other(band) : undefined} />
      </div>
      <div className="stamp-body" style={{ width: canvasPx, height: canvasPx }} data-contour-segments={contours ? contours.reduce((n, c) => n + c.segments.length / 4, 0) : undefined}>
        {images && (
          <FitsCanvas
            image={images.img}
            {...frameProps(frame)}
            contours={contours}
            size={canvasPx}
            view={view}
            onView={setView}
            marker={marker}
            onHover={setHover}
            onLimits={setLimits}
            onDrawn={onDrawn}
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
      <PixelReadout image={images?.img ?? null} hover={hover} compact={canvasPx < 210} />
    </div>
  );
}

export function CutoutPanel({ stampPx, width }: { stampPx: number; width: number }) {
  const detail = useSelection((s) => s.detail);
  const sizePx = useDisplay((s) => s.cutoutSizePx);
  const zoom = useDisplay((s) => s.cutoutView.zoom);
  if (!detail) return <section className="panel cutouts" style={{ width }}><div className="placeholder">select a candidate</div></section>;
  const { row, plates } = detail;
  return (
    <section className="panel cutouts" data-testid="cutout-panel" style={{ width }}>
      <header className="panel-head">
        <h3>Cutouts</h3>
        <label className="field">
          <span>size</span>
          <select aria-label="Cutout size" value={sizePx} onChange={(e) => useDisplay.getState().setCutoutSize(Number(e.target.value))}>
            {SIZES.map((s) => (
              <option key={s} value={s}>
                {s} px
              </option>
            ))}
          </select>
        </label>
        <button onClick={() => useDisplay.getState().setCutoutView({ zoom: 1, panX: 0, panY: 0 })} title="zoom to fit (double-click a cutout); red and blue zoom and pan together">
          fit
        </button>
        <span className="mono muted" data-testid="cutout-zoom">×{zoom.toFixed(2)}</span>
      </header>
      <div className="stamps">
        <Stamp band="red" candidateId={row.id} plate={plates.red.region} epochJulian={plates.red.epochJulian} canvasPx={stampPx} hasOther={!!plates.blue} />
        {plates.blue ? (
          <Stamp band="blue" candidateId={row.id} plate={plates.blue.region} epochJulian={plates.blue.epochJulian} canvasPx={stampPx} hasOther />
        ) : (
          <div className="stamp stamp-none" style={{ width: stampPx }}>
            <div className="stamp-head">
              <span className="band-tag blue">BLUE</span>
            </div>
            <div className="placeholder" style={{ width: stampPx, height: stampPx }} data-testid="no-blue-note">
              <span>no blue plate</span>
              <span className="muted small">red-only run: nothing to compare with</span>
            </div>
          </div>
        )}
      </div>
    </section>
  );
}
