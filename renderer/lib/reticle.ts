/**
 * The candidate marker: four strokes around (x, y) leaving a gap, so the
 * marker frames the object without covering it. The caller sets the style.
 */
export function strokeReticle(ctx: CanvasRenderingContext2D, x: number, y: number, gap: number, len: number): void {
  ctx.beginPath();
  ctx.moveTo(x - len, y); ctx.lineTo(x - gap, y);
  ctx.moveTo(x + gap, y); ctx.lineTo(x + len, y);
  ctx.moveTo(x, y - len); ctx.lineTo(x, y - gap);
  ctx.moveTo(x, y + gap); ctx.lineTo(x, y + len);
  ctx.stroke();
}

/** A secondary position to show beside the candidate (e.g. the nearest blue detection), FITS 1-based pixels of the image. */
export interface CircleMark {
  x: number;
  y: number;
  /** Short text drawn beside the circle, e.g. the distance. */
  label: string;
  /** Stroke colour (CSS). */
  color: string;
}

/** Screen radius of a circle mark at `scale` screen pixels per image pixel: wider than the reticle's gap, so both show. */
export function circleRadius(scale: number): number {
  return Math.max(11, 4 * scale);
}

/**
 * A small dashed circle at (x, y) canvas pixels with its label to the upper
 * right: dashed so it never reads as the candidate's own reticle.
 */
export function strokeDashedCircle(ctx: CanvasRenderingContext2D, x: number, y: number, radius: number, label: string, color: string): void {
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 2;
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.font = '11px ui-monospace, monospace';
  ctx.textBaseline = 'bottom';
  // A dark halo keeps the text legible on bright stars.
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
  ctx.strokeText(label, x + radius * 0.75 + 2, y - radius * 0.75);
  ctx.fillText(label, x + radius * 0.75 + 2, y - radius * 0.75);
  ctx.restore();
}
