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
