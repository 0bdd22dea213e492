/** The inspection row's picture sizes: they fill the width given, never more, and honour a height the person set. */
import { describe, expect, it } from 'vitest';
import { inspectSizes, MIN_BASE, PANEL_CHROME, panelWidths } from '../../../renderer/lib/inspect-sizes';

const rowWidth = (width: number, height?: number) => {
  const w = panelWidths(inspectSizes(width, height));
  return w.cutouts + w.blink + w.sky + 2 * PANEL_CHROME.gap;
};

describe('inspectSizes', () => {
  it('fills the width of every window from a laptop to 4K without running over, and grows with it', () => {
    let last = 0;
    for (let width = 1000; width <= 3600; width += 37) {
      const s = inspectSizes(width);
      expect(rowWidth(width)).toBeLessThanOrEqual(width);
      // Within a few pixels of the width: the room is used, not left empty.
      expect(width - rowWidth(width)).toBeLessThan(8);
      expect(s.blink).toBeGreaterThanOrEqual(last);
      last = s.blink;
    }
  });

  it('a height the person dragged to bounds the pictures; the row then fits it', () => {
    for (const height of [380, 450, 600, 900]) {
      const s = inspectSizes(3000, height);
      expect(s.height).toBeLessThanOrEqual(height);
      expect(rowWidth(3000, height)).toBeLessThan(3000);
    }
    expect(inspectSizes(3000, 400).blink).toBeLessThan(inspectSizes(3000).blink);
  });

  it('never smaller than the least useful picture: a narrow window wraps the panels instead', () => {
    expect(inspectSizes(300).blink).toBe(MIN_BASE);
    expect(inspectSizes(0).blink).toBe(MIN_BASE);
    expect(inspectSizes(2000, 50).blink).toBe(MIN_BASE);
  });
});
