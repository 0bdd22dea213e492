// @vitest-environment jsdom
/** The funnel accounts for every source: kept, dropped by reason, flagged-but-kept by reason, skipped stages said. */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from '@testing-library/react';
import { Funnel } from '../../../renderer/components/plots/Funnel';
import type { StageCount } from '../../../electron/pipeline/types';

afterEach(cleanup);

const stages: StageCount[] = [
  { name: 'filters', input: 1000, output: 400, dropped: { fwhm: 500, snr: 300 }, seconds: 1 },
  { name: 'red-vs-blue', input: 400, output: 100, dropped: { blue_match: 300 }, seconds: 1 },
  { name: 'veto', input: 100, output: 100, dropped: {}, flagged: { veto_skipped: 100 }, seconds: 0, skipped: 'offline: no catalogue files (--catalog NAME=FILE)' },
  { name: 'asteroids', input: 100, output: 100, dropped: {}, flagged: { skybot: 7 }, seconds: 2 },
  { name: 'dec-cut', input: 100, output: 90, dropped: { dec_south: 10 }, seconds: 0 },
];

describe('Funnel', () => {
  it('splits the removed part by reason, marks flagged-but-kept sources, and writes skipped stages as text', () => {
    const { container } = render(<Funnel stages={stages} width={800} />);
    const rows = container.querySelectorAll('svg > g[transform^="translate(0,"]');
    expect(rows).toHaveLength(5);
    // filters: 600 removed, but the reasons add to 800 (sources fail several cuts): the bars share the 600.
    const filterBars = [...rows[0].querySelectorAll('rect[fill]')].map((r) => Number(r.getAttribute('width')));
    const kept = Number(rows[0].querySelector('.bar-kept')!.getAttribute('width'));
    const input = Number(rows[0].querySelector('.bar-input')!.getAttribute('width'));
    expect(filterBars.reduce((a, b) => a + b, 0) + kept).toBeCloseTo(input, 6);
    expect(rows[0].textContent).toContain('1000 → 400 (−600)');
    // The asteroid stage drops nothing but flags 7: an amber bar of 7 sources and the count in words.
    const flag = rows[3].querySelector('.bar-flag')!;
    expect(Number(flag.getAttribute('width'))).toBeCloseTo((7 / 1000) * (800 - 130 - 270), 6);
    expect(flag.querySelector('title')!.textContent).toBe('skybot: 7 flagged, kept');
    expect(rows[3].textContent).toContain('100 → 100 ⚑ 7 skybot');
    // The skipped veto says why, and draws no bar.
    expect(rows[2].textContent).toContain('offline: no catalogue files');
    expect(rows[2].querySelector('g[display="none"]')).not.toBeNull();
    // Its per-candidate "veto_skipped" notes are no flags.
    expect(rows[2].querySelector('.bar-flag')).toBeNull();
    expect(rows[2].textContent).not.toContain('⚑');
    expect(container.textContent).toContain('flagged, kept: skybot');
    expect(container.textContent).not.toContain('veto_skipped');
  });

  it('without flagged stages keeps the narrow number column and no flag legend', () => {
    const { container } = render(<Funnel stages={stages.filter((s) => s.name !== 'asteroids')} width={800} />);
    expect(container.querySelector('.bar-flag')).toBeNull();
    expect(container.textContent).not.toContain('flagged, kept');
  });

  it('gives each reason the same colour in every funnel, whatever other reasons the run has', () => {
    const fillOf = (st: StageCount[], reason: string) => {
      const { container } = render(<Funnel stages={st} width={800} />);
      const rect = [...container.querySelectorAll('rect[fill]')].find((r) => r.querySelector('title')?.textContent?.startsWith(`${reason}:`));
      const fill = rect!.getAttribute('fill');
      cleanup();
      return fill;
    };
    const other: StageCount[] = [{ name: 'filters', input: 50, output: 10, dropped: { elongation: 20, flags: 5, snr: 15 }, seconds: 1 }];
    expect(fillOf(stages, 'snr')).toBe(fillOf(other, 'snr'));
    // Within one funnel, the pipeline's reasons are told apart.
    const fills = ['fwhm', 'snr'].map((r) => fillOf(stages, r));
    expect(new Set(fills).size).toBe(2);
  });
});
