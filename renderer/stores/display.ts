/**
 * How images are shown: stretch and limits per frame (red, blue), and the
 * blink view (zoom and pan shared by both frames, rate, which frame is up).
 * Kept with every review so an auditor knows what the reviewer saw.
 */
import { create } from 'zustand';
import type { Band } from '../../electron/pipeline/types';
import type { LimitsName, StretchName } from '../lib/stretch';

export interface FrameDisplay {
  stretch: StretchName;
  limits: LimitsName;
}

interface DisplayState {
  frames: Record<Band, FrameDisplay>;
  /** Screen pixels per image pixel, and the image pixel (0-based, floating) at the view centre offset. */
  zoom: number;
  panX: number;
  panY: number;
  blinkFrame: Band;
  blinking: boolean;
  /** Frames per second. */
  blinkRate: number;
  setFrame(band: Band, patch: Partial<FrameDisplay>): void;
  setView(zoom: number, panX: number, panY: number): void;
  resetView(): void;
  toggleFrame(): void;
  setBlinkFrame(band: Band): void;
  setBlinking(on: boolean): void;
  setBlinkRate(rate: number): void;
}

export const useDisplay = create<DisplayState>((set) => ({
  frames: { red: { stretch: 'asinh', limits: 'zscale' }, blue: { stretch: 'asinh', limits: 'zscale' } },
  zoom: 1,
  panX: 0,
  panY: 0,
  blinkFrame: 'red',
  blinking: false,
  blinkRate: 2,
  setFrame(band, patch) {
    set((s) => ({ frames: { ...s.frames, [band]: { ...s.frames[band], ...patch } } }));
  },
  setView(zoom, panX, panY) {
    set({ zoom: Math.max(0.25, Math.min(32, zoom)), panX, panY });
  },
  resetView() {
    set({ zoom: 1, panX: 0, panY: 0 });
  },
  toggleFrame() {
    set((s) => ({ blinkFrame: s.blinkFrame === 'red' ? 'blue' : 'red' }));
  },
  setBlinkFrame(band) {
    set({ blinkFrame: band });
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
  return {
    redStretch: d.frames.red.stretch,
    redLimits: d.frames.red.limits,
    blueStretch: d.frames.blue.stretch,
    blueLimits: d.frames.blue.limits,
    blinkZoom: d.zoom,
    blinkRate: d.blinkRate,
  };
}
