/**
 * How images are shown: per frame (red, blue, and the blink's red-minus-blue
 * difference) the stretch, limits (zscale, percentiles, min/max or the
 * reviewer's own), colour map, invert and contours of the other band; the
 * cutouts' zoom and pan (shared by red and blue), and the blink view (zoom
 * and pan shared by its frames, rate, which frame is up). Kept with every
 * review so an auditor knows what the reviewer saw.
 */
import { create } from 'zustand';
import type { Band } from '../../electron/pipeline/types';
import type { ColormapName } from '../lib/colormaps';
import type { LimitsName, StretchName, UserLimits } from '../lib/stretch';

/** A blink frame: a plate, or red minus scaled blue. */
export type FrameName = Band | 'diff';
export const BLINK_ORDER: FrameName[] = ['red', 'blue', 'diff'];

export interface FrameDisplay {
  stretch: StretchName;
  limits: LimitsName;
  /** Percentiles (0..100) used when limits is 'percentile'. */
  percentiles: UserLimits;
  /** Pixel values used when limits is 'manual' (null until set). */
  values: UserLimits | null;
  colormap: ColormapName;
  invert: boolean;
  /** Draw the other band's contours over this one (cutouts). */
  contours: boolean;
}

export interface ViewState {
  /** Screen pixels per image pixel over the fit-to-window scale, and the image pixel offset (0-based, floating) of the view centre. */
  zoom: number;
  panX: number;
  panY: number;
}

interface DisplayState {
  frames: Record<FrameName, FrameDisplay>;
  /** The blink view. */
  zoom: number;
  panX: number;
  panY: number;
  /** The red and blue cutouts' common view. */
  cutoutView: ViewState;
  /** Side of the cutouts, plate pixels. */
  cutoutSizePx: number;
  blinkFrame: FrameName;
  blinking: boolean;
  /** Frames per second. */
  blinkRate: number;
  setFrame(frame: FrameName, patch: Partial<FrameDisplay>): void;
  setView(zoom: number, panX: number, panY: number): void;
  resetView(): void;
  setCutoutView(view: ViewState): void;
  setCutoutSize(px: number): void;
  /** Blink: the next (1) or previous (-1) frame of red → blue → difference. */
  stepFrame(dir: 1 | -1): void;
  /** Blink play: red ↔ blue. */
  toggleFrame(): void;
  setBlinkFrame(frame: FrameName): void;
  setBlinking(on: boolean): void;
  setBlinkRate(rate: number): void;
}

const clampZoom = (z: number) => Math.max(0.25, Math.min(32, z));
const frameDefaults = (stretch: StretchName, colormap: ColormapName = 'grey'): FrameDisplay => ({
  stretch,
  limits: 'zscale',
  percentiles: { lo: 0.5, hi: 99.5 },
  values: null,
  colormap,
  invert: false,
  contours: false,
});

export const useDisplay = create<DisplayState>((set) => ({
  frames: { red: frameDefaults('asinh'), blue: frameDefaults('asinh'), diff: frameDefaults('linear') },
  zoom: 1,
  panX: 0,
  panY: 0,
  cutoutView: { zoom: 1, panX: 0, panY: 0 },
  cutoutSizePx: 64,
  blinkFrame: 'red',
  blinking: false,
  blinkRate: 2,
  setFrame(frame, patch) {
    set((s) => ({ frames: { ...s.frames, [frame]: { ...s.frames[frame], ...patch } } }));
  },
  setView(zoom, panX, panY) {
    set({ zoom: clampZoom(zoom), panX, panY });
  },
  resetView() {
    set({ zoom: 1, panX: 0, panY: 0 });
  },
  setCutoutView(view) {
    set({ cutoutView: { ...view, zoom: clampZoom(view.zoom) } });
  },
  setCutoutSize(px) {
    set({ cutoutSizePx: px, cutoutView: { zoom: 1, panX: 0, panY: 0 } });
  },
  stepFrame(dir) {
    set((s) => ({ blinkFrame: BLINK_ORDER[(BLINK_ORDER.indexOf(s.blinkFrame) + dir + BLINK_ORDER.length) % BLINK_ORDER.length] }));
  },
  toggleFrame() {
    set((s) => ({ blinkFrame: s.blinkFrame === 'red' ? 'blue' : 'red' }));
  },
  setBlinkFrame(frame) {
    set({ blinkFrame: frame });
  },
  setBlinking(on) {
    set({ blinking: on });
  },
  setBlinkRate(rate) {
    set({ blinkRate: Math.max(0.25, Math.min(20, rate)) });
  },
}));

/** What the reviewer saw, recorded with a review (contract: flat string/number/boolean values). */
export function displaySnapshot(): Record<string, string | number | boolean | null> {
  const d = useDisplay.getState();
  const out: Record<string, string | number | boolean | null> = {};
  for (const name of BLINK_ORDER) {
    const f = d.frames[name];
    out[`${name}Stretch`] = f.stretch;
    out[`${name}Limits`] = f.limits;
    if (f.limits === 'percentile') out[`${name}LimitsRange`] = `${f.percentiles.lo}..${f.percentiles.hi} %`;
    if (f.limits === 'manual' && f.values) out[`${name}LimitsRange`] = `${f.values.lo}..${f.values.hi}`;
    out[`${name}Colormap`] = f.colormap;
    out[`${name}Invert`] = f.invert;
    if (name !== 'diff') out[`${name}Contours`] = f.contours;
  }
  out.blinkZoom = d.zoom;
  out.blinkRate = d.blinkRate;
  out.blinkFrame = d.blinkFrame;
  out.cutoutZoom = d.cutoutView.zoom;
  out.cutoutSizePx = d.cutoutSizePx;
  return out;
}
