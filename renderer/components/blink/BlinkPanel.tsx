/**
 * Red/blue blink on one sky grid (blink.get), and a third frame: red minus
 * blue scaled to red (lib/difference), the difference a transient scanner
 * shows beside new and reference. Zoom and pan are shared by the frames;
 * each frame keeps its own stretch and colour map. The nearest blue
 * detection of any kind (filtered or not) is circled, dashed, on every frame,
 * so a star whose blue image failed a cut is seen as such. Keys: b and →
 * step red → blue → difference, ← back, space plays red ↔ blue (see
 * useReviewKeys).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { fitsSolution } from '../../../electron/astro/plate-solution';
import type { HeaderValues } from '../../../electron/pipeline/types';
import type { CandidateRow } from '../../api';
import { differenceFrame } from '../../lib/difference';
import { markDrawn } from '../../lib/draw-marks';
import type { FitsImage } from '../../lib/fits';
import { epoch, fmt } from '../../lib/format';
import type { CircleMark } from '../../lib/reticle';
import { useDisplay, type FrameName } from '../../stores/display';
import { useSelection } from '../../stores/selection';
import { FitsCanvas, frameProps, type HoverInfo } from '../cutout/FitsCanvas';
import { PixelReadout } from '../cutout/PixelReadout';
import { StretchControls } from '../cutout/StretchControls';
import { BLINK_ARCSEC as SIZE_ARCSEC, blinkRequest } from '../../stores/image-cache';
import { useFitsImages } from '../cutout/useFits';

const FRAME_TITLES: Record<FrameName, string> = { red: 'RED', blue: 'BLUE', diff: 'RED − BLUE' };
const BLUE_MARK = 'rgba(120, 175, 255, 0.95)';

/** The nearest blue detection on the blink grid (one TAN grid for both frames, from its header); none when unknown or off the grid. */
function blueDetectionMarks(row: CandidateRow, image: FitsImage | undefined): CircleMark[] {
  const b = row.nearestBlueDetection;
  if (!b || !image) return [];
  let solution;
  try {
    solution = fitsSolution(image.header as HeaderValues);
  } catch {
    return [];
  }
  if (!solution) return [];
  const [x, y] = solution.skyToPix(b.ra, b.dec);
  if (!(x >= 0.5 && x <= image.width + 0.5 && y >= 0.5 && y <= image.height + 0.5)) return [];
  return [{ x, y, label: `${fmt(b.distanceArcsec, 1)}″`, color: BLUE_MARK }];
}

export function BlinkPanel({ canvasPx, width }: { canvasPx: number; width: number }) {
  const detail = useSelection((s) => s.detail);
  const d = useDisplay();
  const [hover, setHover] = useState<HoverInfo | null>(null);
  const candidateId = detail?.row.id ?? null;

  const req = blinkRequest(candidateId ?? 0);
  const { images, error, loading } = useFitsImages(candidateId === null ? null : req.key, req.method, req.fetcher, req.decode);

  const hasBlue = !!images?.blue;
  const frame: FrameName = hasBlue ? d.blinkFrame : 'red';
  // Red minus blue scaled to red, as an image on the same grid (the red frame's header).
  const diff = useMemo(() => {
    if (!images?.blue) return null;
    const f = differenceFrame(images.red.data, images.blue.data);
    const image: FitsImage = { ...images.red, data: f.data };
    return { ...f, image };
  }, [images]);
  const onDrawn = useCallback(() => candidateId !== null && markDrawn('blink', candidateId), [candidateId]);
  const row = detail?.row;
  const circles = useMemo(() => (row ? blueDetectionMarks(row, images?.red) : []), [row, images?.red]);

  useEffect(() => {
    if (!d.blinking || !hasBlue) return;
    const t = setInterval(() => useDisplay.getState().toggleFrame(), 1000 / d.blinkRate);
    return () => clearInterval(t);
  }, [d.blinking, d.blinkRate, hasBlue]);

  if (!detail) return <section className="panel blink" style={{ width }}><div className="placeholder">select a candidate</div></section>;
  const plate = frame === 'red' ? detail.plates.red : frame === 'blue' ? detail.plates.blue : null;
  const view = { zoom: d.zoom, panX: d.panX, panY: d.panY };
  const onView = (v: typeof view) => d.setView(v.zoom, v.panX, v.panY);
  const shown = frame === 'red' ? images?.red : frame === 'blue' ? images?.blue : diff?.image;

  return (
    <section className="panel blink" data-testid="blink-panel" style={{ width }}>
      <header className="panel-head">
        <h3>Blink</h3>
        <button onClick={() => d.setBlinking(!d.blinking)} disabled={!hasBlue} aria-label={d.blinking ? 'pause blink' : 'play blink'}>
          {d.blinking ? '❚❚ pause' : '▶ play'}
        </button>
        <button onClick={() => d.stepFrame(1)} disabled={!hasBlue} title="next frame: red → blue → difference (b, →; ← back)">
          flip
        </button>
        <label className="field">
          <span>rate</span>
          <input
            type="range"
            min={0.5}
            max={8}
            step={0.5}
            value={d.blinkRate}
            aria-label="Blink rate"
            onChange={(e) => d.setBlinkRate(Number(e.target.value))}
          />
          <span className="mono">{d.blinkRate.toFixed(1)} Hz</span>
        </label>
        <button onClick={() => d.resetView()} title="zoom to fit (double-click the image)">
          fit
        </button>
        <span className="mono muted">×{d.zoom.toFixed(2)}</span>
      </header>
      <div className="blink-body">
        <div className="blink-view" data-testid="blink-view" data-frame={frame} style={{ width: canvasPx, height: canvasPx }}
          data-blue-detection={circles.length ? `${circles[0].x.toFixed(2)},${circles[0].y.toFixed(2)}` : undefined}>
          {images && (
            <>
              <div className={frame === 'red' ? 'layer shown' : 'layer hidden'}>
                <FitsCanvas image={images.red} {...frameProps(d.frames.red)} size={canvasPx} testId="blink-red"
                  view={view} onView={onView} marker={{ x: (images.red.width + 1) / 2, y: (images.red.height + 1) / 2 }} circles={circles} onHover={setHover} onDrawn={onDrawn} />
              </div>
              {images.blue && (
                <div className={frame === 'blue' ? 'layer shown' : 'layer hidden'}>
                  <FitsCanvas image={images.blue} {...frameProps(d.frames.blue)} size={canvasPx} testId="blink-blue"
                    view={view} onView={onView} marker={{ x: (images.blue.width + 1) / 2, y: (images.blue.height + 1) / 2 }} circles={circles} onHover={setHover} />
                </div>
              )}
              {diff && (
                <div className={frame === 'diff' ? 'layer shown' : 'layer hidden'}>
                  <FitsCanvas image={diff.image} {...frameProps(d.frames.diff)} size={canvasPx} testId="blink-diff"
                    view={view} onView={onView} marker={{ x: (diff.image.width + 1) / 2, y: (diff.image.height + 1) / 2 }} circles={circles} onHover={setHover} />
                </div>
              )}
              <div className={`frame-label ${frame}`} data-testid="blink-frame-label">
                {FRAME_TITLES[frame]} <span className="mono">{plate ? `${plate.region} ${epoch(plate.epochJulian)}` : 'blue scaled to red'}</span>
              </div>
            </>
          )}
          {!images && loading && <div className="placeholder">loading blink frames…</div>}
          {error && (
            <div className="placeholder error-inline">
              {error.message}
              {error.hint && <div className="error-hint">→ {error.hint}</div>}
            </div>
          )}
        </div>
        <div className="blink-side">
          <div className="blink-frames">
            <div className={frame === 'red' ? 'frame-row current' : 'frame-row'}>
              <span className="band-tag red">RED</span>
              <span className="mono">{detail.plates.red.region}</span>
              <span className="mono muted">{epoch(detail.plates.red.epochJulian)}</span>
              <StretchControls band="red" />
            </div>
            <div className={frame === 'blue' ? 'frame-row current' : 'frame-row'}>
              <span className="band-tag blue">BLUE</span>
              <span className="mono">{detail.plates.blue?.region ?? '—'}</span>
              <span className="mono muted">{detail.plates.blue ? epoch(detail.plates.blue.epochJulian) : 'no blue plate'}</span>
              {detail.plates.blue && <StretchControls band="blue" />}
            </div>
            {detail.plates.blue && (
              <div className={frame === 'diff' ? 'frame-row current' : 'frame-row'}>
                <span className="band-tag diff">R − B</span>
                <span className="small muted" data-testid="blink-diff-scaling">{diff ? diff.how : 'red minus blue scaled to red'}</span>
                <StretchControls band="diff" />
              </div>
            )}
          </div>
          {detail.plates.blue && <BlueDetectionLegend row={detail.row} shown={circles.length > 0} />}
          <p className="muted small">
            {SIZE_ARCSEC}″ field on one TAN grid · <kbd>b</kbd> red → blue → difference · <kbd>space</kbd> play · wheel zoom, drag pan · <kbd>?</kbd> all keys
          </p>
          <PixelReadout image={shown ?? null} hover={hover} compact />
        </div>
      </div>
    </section>
  );
}

/** What the dashed circle is, or why there is none. */
function BlueDetectionLegend({ row, shown }: { row: CandidateRow; shown: boolean }) {
  const b = row.nearestBlueDetection;
  return (
    <p className="small blue-detection-legend" data-testid="blink-blue-detection">
      <span style={{ color: BLUE_MARK }}>◌</span>{' '}
      {!b
        ? row.edgeDistancePx === null ? 'nearest blue detection not recorded (run before schema v5)' : 'no blue detection within the search radius'
        : `nearest blue detection ${fmt(b.distanceArcsec, 1)}″${b.failedCuts.length ? `, failed ${b.failedCuts.join(', ')}` : ', passed every cut'}${shown ? '' : ' (outside this field)'}`}
    </p>
  );
}
