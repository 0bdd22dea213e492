/**
 * How big the inspection panels' pictures are for the room they have: one
 * base size s for the blink and sky views, the two cutout stamps at 0.8 s,
 * all in one row. What each panel adds around its picture (headers, the
 * blink's side column, readouts) is counted here, so the row fits the width
 * it is given and, when the person set the inspection area's height, that
 * height too. Browser-safe, pure (tested without a browser).
 */

/** Pixels each panel adds around its picture(s), measured from styles.css. */
export const PANEL_CHROME = {
  /** Panel padding and border, each axis. */
  panel: 18,
  /** Gap between panels, and between two stamps. */
  gap: 6,
  stampGap: 8,
  /** The blink's side column (frames, legend, readout) and its gap. */
  blinkSide: 198,
  /** Height: panel header; stamp header and readout under a stamp; sky legend and status. */
  head: 30,
  stampHead: 56,
  readout: 70,
  skyFoot: 94,
  /** The blink's side column is about this tall whatever the picture's size. */
  blinkSideHeight: 300,
} as const;

export const STAMP_RATIO = 0.8;
export const MIN_BASE = 150;
export const MAX_BASE = 1024;

/** Widths of the three panels for these sizes (they are set, so a panel's own controls wrap instead of widening it). */
export function panelWidths(s: InspectSizes): { cutouts: number; blink: number; sky: number } {
  const c = PANEL_CHROME;
  return { cutouts: 2 * s.stamp + c.stampGap + c.panel, blink: s.blink + c.blinkSide + c.panel, sky: s.sky + c.panel };
}

export interface InspectSizes {
  /** Side of a cutout stamp, of the blink view, of the sky view (CSS pixels). */
  stamp: number;
  blink: number;
  sky: number;
  /** The height the row of panels takes. */
  height: number;
}

function sizesFor(base: number): InspectSizes {
  const c = PANEL_CHROME;
  const stamp = Math.floor(base * STAMP_RATIO);
  const height = Math.max(stamp + c.head + c.stampHead + c.readout, base + c.head + c.skyFoot, c.blinkSideHeight + c.head) + c.panel;
  return { stamp, blink: base, sky: base, height };
}

/** The largest pictures that fit `width` (and `height`, when given) in one row; never below MIN_BASE (the row then wraps). */
export function inspectSizes(width: number, height?: number | null): InspectSizes {
  const c = PANEL_CHROME;
  // width = (2 stamps + gap + chrome) + (blink + side + chrome) + (sky + chrome) + 2 gaps
  const fixed = c.stampGap + c.blinkSide + 3 * c.panel + 2 * c.gap;
  let base = (width - fixed) / (2 * STAMP_RATIO + 2);
  if (height != null) {
    // The blink and sky grow 1:1 with base, the stamps 0.8:1: the tallest panel bounds it.
    base = Math.min(base, height - (c.head + c.skyFoot + c.panel), (height - (c.head + c.stampHead + c.readout + c.panel)) / STAMP_RATIO);
  }
  return sizesFor(Math.floor(Math.max(MIN_BASE, Math.min(MAX_BASE, base))));
}
