/**
 * One FITS image on a canvas: stretch, limits, colour map, zoom/pan
 * (controlled, so blink frames and the red/blue cutouts can share them), an
 * optional crosshair, contour lines, and the pixel under the cursor.
 * Pixels are FITS 1-based; row 1 is drawn at the bottom (north up for plates
 * in their usual orientation).
 */
import { useEffect, useMemo, useRef } from 'react';
import type { FitsImage } from '../../lib/fits';
import { colormapTable, type ColormapName } from '../../lib/colormaps';
import { computeLimits, renderImage, type Limits, type LimitsName, type StretchName, type UserLimits } from '../../lib/stretch';
import { circleRadius, strokeDashedCircle, strokeReticle, type CircleMark } from '../../lib/reticle';
import type { FrameDisplay, ViewState } from '../../stores/display';

export type { ViewState };

export interface HoverInfo {
  /** FITS 1-based pixel coordinates (continuous) and the integer pixel's value. */
  x: number;
  y: number;
  value: number | null;
}

/** Line segments [x1, y1, x2, y2, ...] in the image's FITS pixels, and their colour. */
export interface ContourSet {
  segments: Float32Array;
  color: string;
}

/** The FitsCanvas props a frame's display settings give. */
export function frameProps(f: FrameDisplay): Pick<Props, 'stretch' | 'limits' | 'user' | 'colormap' | 'invert'> {
  return { stretch: f.stretch, limits: f.limits, user: f.limits === 'percentile' ? f.percentiles : f.limits === 'manual' ? f.values ?? undefined : undefined, colormap: f.colormap, invert: f.invert };
}

interface Props {
  image: FitsImage;
  stretch: StretchName;
  limits: LimitsName;
  /** Percentiles or values for the 'percentile' and 'manual' limits. */
  user?: UserLimits;
  colormap?: ColormapName;
  invert?: boolean;
  contours?: ContourSet[];
  size: number;
  view: ViewState;
  onView(view: ViewState): void;
  marker?: { x: number; y: number } | null;
  /** Other positions to circle (dashed), e.g. the nearest blue detection. */
  circles?: CircleMark[];
  onHover?(info: HoverInfo | null): void;
  onLimits?(limits: Limits): void;
  /** Called after each draw (performance marks). */
  onDrawn?(): void;
  label?: string;
  testId?: string;
}

export function FitsCanvas({ image, stretch, limits, user, colormap = 'grey', invert = false, contours, size, view, onView, marker, circles, onHover, onLimits, onDrawn, label, testId }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; y: number; panX: number; panY: number } | null>(null);
  const { width: w, height: h } = image;

  const lim = useMemo(() => computeLimits(image.data, limits, user), [image, limits, user?.lo, user?.hi]); // eslint-disable-line react-hooks/exhaustive-deps
  const colours = useMemo(() => colormapTable(colormap, invert), [colormap, invert]);
  useEffect(() => onLimits?.(lim), [lim, onLimits]);

  const bitmap = useMemo(() => {
    const off = document.createElement('canvas');
    off.width = w;
    off.height = h;
    const ctx = off.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(renderImage(image.data, w, h, lim, stretch, colours) as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0);
    return off;
  }, [image, w, h, lim, stretch, colours]);

  const scale = (size / Math.max(w, h)) * view.zoom;

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(size * dpr);
    canvas.height = Math.round(size * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#0b0d10';
    ctx.fillRect(0, 0, size, size);
    ctx.imageSmoothingEnabled = false;
    const left = size / 2 - (w / 2 + view.panX) * scale;
    const top = size / 2 - (h / 2 + view.panY) * scale;
    ctx.drawImage(bitmap, left, top, w * scale, h * scale);
    for (const c of contours ?? []) {
      ctx.strokeStyle = c.color;
      ctx.lineWidth = 1;
      ctx.beginPath();
      const seg = c.segments;
      for (let k = 0; k < seg.length; k += 4) {
        ctx.moveTo(left + (seg[k] - 0.5) * scale, top + (h - seg[k + 1] + 0.5) * scale);
        ctx.lineTo(left + (seg[k + 2] - 0.5) * scale, top + (h - seg[k + 3] + 0.5) * scale);
      }
      ctx.stroke();
    }
    if (marker) {
      // On the middle of a screen pixel, so the 1 px lines are crisp.
      const cx = Math.round(left + (marker.x - 0.5) * scale) + 0.5;
      const cy = Math.round(top + (h - marker.y + 0.5) * scale) + 0.5;
      const gap = Math.max(6, 3 * scale);
      const len = gap + 12;
      ctx.strokeStyle = 'rgba(80, 220, 140, 0.9)';
      ctx.lineWidth = 1;
      strokeReticle(ctx, cx, cy, gap, len);
    }
    for (const c of circles ?? []) {
      const cx = left + (c.x - 0.5) * scale;
      const cy = top + (h - c.y + 0.5) * scale;
      strokeDashedCircle(ctx, cx, cy, circleRadius(scale), c.label, c.color);
    }
    onDrawn?.();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [bitmap, size, scale, view.panX, view.panY, w, h, marker, circles, contours]);

  function toImage(e: React.MouseEvent<HTMLCanvasElement>): HoverInfo | null {
    const r = e.currentTarget.getBoundingClientRect();
    const u = (e.clientX - r.left - size / 2) / scale + w / 2 + view.panX;
    const v = (e.clientY - r.top - size / 2) / scale + h / 2 + view.panY;
    if (u < 0 || u >= w || v < 0 || v >= h) return null;
    const col = Math.floor(u);
    const row = Math.floor(h - v);
    const value = image.data[row * w + col];
    return { x: u + 0.5, y: h - v + 0.5, value: Number.isFinite(value) ? value : null };
  }

  return (
    <div className="fits-canvas" style={{ width: size, height: size }}>
      <canvas
        ref={canvasRef}
        data-testid={testId}
        style={{ width: size, height: size }}
        onMouseMove={(e) => {
          if (drag.current) {
            const d = drag.current;
            onView({ ...view, panX: d.panX - (e.clientX - d.x) / scale, panY: d.panY - (e.clientY - d.y) / scale });
          }
          onHover?.(toImage(e));
        }}
        onMouseLeave={() => {
          drag.current = null;
          onHover?.(null);
        }}
        onMouseDown={(e) => {
          drag.current = { x: e.clientX, y: e.clientY, panX: view.panX, panY: view.panY };
        }}
        onMouseUp={() => {
          drag.current = null;
        }}
        onDoubleClick={() => onView({ zoom: 1, panX: 0, panY: 0 })}
        onWheel={(e) => {
          const factor = e.deltaY < 0 ? 1.25 : 0.8;
          onView({ ...view, zoom: Math.max(0.25, Math.min(32, view.zoom * factor)) });
        }}
      />
      {label && <div className="canvas-label">{label}</div>}
      <div className="canvas-zoom mono" data-testid={testId ? `${testId}-zoom` : undefined}>×{view.zoom.toFixed(2)}</div>
      <div className="canvas-limits mono">
        {lim.vmin.toFixed(0)} … {lim.vmax.toFixed(0)}
      </div>
    </div>
  );
}
