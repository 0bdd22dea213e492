// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createFakeTransport } from '../fake-transport';

afterEach(cleanup);

// jsdom has no layout: give the table's scroll area the size it would have on screen.
const VIEWPORT = { width: 1200, height: 440 };
for (const [prop, value] of [['clientHeight', VIEWPORT.height], ['clientWidth', VIEWPORT.width]] as const) {
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList?.contains('table-scroll') ? value : 0;
    },
  });
}

async function setup(candidates: number) {
  vi.resetModules();
  localStorage.clear();
  localStorage.setItem('vasco.reviewer', 'ada');
  const fake = createFakeTransport({ candidates });
  (await import('../../../renderer/api')).useTransport(fake.transport);
  const { useSession } = await import('../../../renderer/stores/session');
  const { useCandidates, PAGE_SIZE } = await import('../../../renderer/stores/candidates');
  const { useSelection } = await import('../../../renderer/stores/selection');
  const { CandidateTable, ROW_HEIGHT } = await import('../../../renderer/components/candidate/CandidateTable');
  await useSession.getState().load();
  await useCandidates.getState().reload();
  return { fake, useCandidates, useSelection, CandidateTable, ROW_HEIGHT, PAGE_SIZE };
}

describe('candidate table virtualisation', () => {
  it('with 100k candidates renders only the rows in view and fetches only their page', async () => {
    const t = await setup(100_000);
    const height = VIEWPORT.height;
    await act(async () => {
      render(<t.CandidateTable />);
    });
    const rows = screen.getAllByRole('row').filter((r) => r.hasAttribute('data-index'));
    // Visible rows plus the overscan, nowhere near 100k.
    expect(rows.length).toBeGreaterThan(height / t.ROW_HEIGHT - 2);
    expect(rows.length).toBeLessThan(height / t.ROW_HEIGHT + 30);
    expect(rows[0].textContent).toContain('1001'); // source number of candidate 1
    expect(screen.getByText('100,000 candidates')).toBeTruthy();
    // The scroll area is as tall as all rows, so the scrollbar is honest.
    const spacer = document.querySelector('.table-scroll > div:nth-child(2)') as HTMLElement;
    expect(parseInt(spacer.style.height, 10)).toBe(100_000 * t.ROW_HEIGHT);
    const lists = t.fake.calls.filter((c) => c.method === 'candidates.list');
    expect(lists.every((c) => (c.args.limit as number) <= t.PAGE_SIZE)).toBe(true);
    expect(Object.keys(t.useCandidates.getState().pages)).toEqual(['0']);
  });

  it('scrolling deep fetches the page there on demand', async () => {
    const t = await setup(100_000);
    await act(async () => {
      render(<t.CandidateTable />);
    });
    const scroller = document.querySelector('.table-scroll') as HTMLElement;
    await act(async () => {
      scroller.scrollTop = 73_000 * t.ROW_HEIGHT;
      fireEvent.scroll(scroller);
    });
    await vi.waitFor(() => expect(t.useCandidates.getState().pages[Math.floor(73_000 / t.PAGE_SIZE)]).toBeDefined());
    await act(async () => {});
    const rows = screen.getAllByRole('row').filter((r) => r.hasAttribute('data-index'));
    const indices = rows.map((r) => Number(r.getAttribute('data-index')));
    expect(Math.min(...indices)).toBeGreaterThan(72_900);
    expect(rows.length).toBeLessThan(60);
    expect(rows.find((r) => r.getAttribute('data-index') === '73005')?.getAttribute('data-candidate-id')).toBe('73006');
    // Only the pages in view were fetched, not everything in between.
    expect(Object.keys(t.useCandidates.getState().pages).length).toBeLessThanOrEqual(3);
  });

  it('a click selects the row; a header click sorts through the main process', async () => {
    const t = await setup(1000);
    await act(async () => {
      render(<t.CandidateTable />);
    });
    const row = document.querySelector('[data-index="3"]') as HTMLElement;
    await act(async () => {
      fireEvent.click(row);
    });
    await vi.waitFor(() => expect(t.useSelection.getState().id).toBe(4));
    expect(document.querySelector('[data-index="3"]')!.getAttribute('aria-selected')).toBe('true');
    await act(async () => {
      fireEvent.click(screen.getByRole('columnheader', { name: /FWHM/ }));
    });
    const last = t.fake.calls.filter((c) => c.method === 'candidates.list').at(-1)!;
    expect(last.args.sort).toEqual({ column: 'fwhm', desc: false });
  });
});
