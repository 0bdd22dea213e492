// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeTransport, type FakeOptions } from '../fake-transport';

/** Fresh stores (module singletons) wired to a fake main process. */
async function freshApp(opts: FakeOptions, reviewer: string | null = 'ada') {
  vi.resetModules();
  localStorage.clear();
  if (reviewer) localStorage.setItem('vasco.reviewer', reviewer);
  const fake = createFakeTransport(opts);
  const api = await import('../../../renderer/api');
  api.useTransport(fake.transport);
  const { useSession } = await import('../../../renderer/stores/session');
  const { useCandidates } = await import('../../../renderer/stores/candidates');
  const { useSelection } = await import('../../../renderer/stores/selection');
  const { useReview } = await import('../../../renderer/stores/review');
  const { useErrors } = await import('../../../renderer/stores/errors');
  const { handleReviewKey } = await import('../../../renderer/components/review/useReviewKeys');
  await useSession.getState().load();
  await useCandidates.getState().reload();
  await useSelection.getState().select(0);
  const note = { value: '' };
  const press = async (key: string) => {
    const e = new KeyboardEvent('keydown', { key, cancelable: true });
    handleReviewKey(e, { onNote: () => {}, takeNote: () => note.value || undefined });
    // Let the flag/undo chain (several awaited calls) settle.
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  };
  return { fake, useSession, useCandidates, useSelection, useReview, useErrors, press, note };
}

describe('selection', () => {
  it('starts on the first row, n/p move through the query, and stop at its ends', async () => {
    const app = await freshApp({ candidates: 5 });
    expect(app.useSelection.getState().id).toBe(1);
    expect(app.useSelection.getState().detail?.row.id).toBe(1);
    await app.press('n');
    await app.press('n');
    expect(app.useSelection.getState().id).toBe(3);
    await app.press('p');
    expect(app.useSelection.getState().id).toBe(2);
    for (let i = 0; i < 6; i++) await app.press('n');
    expect(app.useSelection.getState().id).toBe(5);
  });

  it('follows the sort: after sorting by SNR descending, row 0 is the highest SNR', async () => {
    const app = await freshApp({ candidates: 300 });
    app.useCandidates.getState().setSort('snr');
    app.useCandidates.getState().setSort('snr'); // second click: descending
    await vi.waitFor(() => expect(app.useCandidates.getState().total).toBe(300));
    await app.useSelection.getState().select(0);
    const rows = app.fake.calls.filter((c) => c.method === 'candidates.list').at(-1)!;
    expect(rows.args.sort).toEqual({ column: 'snr', desc: true });
    const top = app.useSelection.getState().detail!.row;
    expect(top.snr).toBe(30 + 96); // the fake's SNRs run 30..126
  });
});

describe('review keyboard flow', () => {
  it('a digit flags through reviews.add, shows the label only after the ack, then advances', async () => {
    const app = await freshApp({ candidates: 10, reviewDelayMs: 30 });
    const e = new KeyboardEvent('keydown', { key: '1', cancelable: true });
    const { handleReviewKey } = await import('../../../renderer/components/review/useReviewKeys');
    handleReviewKey(e, { onNote: () => {}, takeNote: () => undefined });
    // Sent, not acknowledged: pending, the row still has no label.
    await new Promise((r) => setTimeout(r, 5));
    expect(app.useReview.getState().pending[1]).toBe('transient');
    expect(app.useCandidates.getState().rowAt(0)!.myLabel).toBeNull();
    await vi.waitFor(() => expect(app.useReview.getState().pending[1]).toBeUndefined());
    await vi.waitFor(() => expect(app.useSelection.getState().id).toBe(2));
    expect(app.useCandidates.getState().rowAt(0)!.myLabel).toBe('transient');
    const add = app.fake.calls.find((c) => c.method === 'reviews.add')!;
    expect(add.args).toMatchObject({ candidateId: 1, reviewer: 'ada', label: 'transient' });
    expect(add.args.display).toMatchObject({ redStretch: 'asinh', redLimits: 'zscale' });
  });

  it('three flags, then u withdraws the last one and returns to it; progress follows', async () => {
    const app = await freshApp({ candidates: 10 });
    await app.press('1');
    await app.press('2');
    await app.press('q');
    expect(app.useReview.getState().progress).toEqual({ reviewed: 3, total: 10 });
    expect(app.useCandidates.getState().rowAt(2)!.myLabel).toBe('unsure');
    await app.press('u');
    expect(app.useSelection.getState().id).toBe(3);
    expect(app.useCandidates.getState().rowAt(2)!.myLabel).toBeNull();
    expect(app.useCandidates.getState().rowAt(1)!.myLabel).toBe('emulsion_defect');
    expect(app.useReview.getState().progress).toEqual({ reviewed: 2, total: 10 });
    expect(app.fake.events.filter((e) => e.action === 'undo')).toHaveLength(1);
  });

  it('a refused flag changes nothing and shows the error with its hint', async () => {
    const app = await freshApp({ candidates: 3, failReviews: { code: 'user-error', message: 'workspace is read-only', hint: 'open a writable workspace' } });
    await app.press('1');
    expect(app.useSelection.getState().id).toBe(1);
    expect(app.useCandidates.getState().rowAt(0)!.myLabel).toBeNull();
    const shown = app.useErrors.getState().errors.at(-1)!.error;
    expect(shown.message).toBe('workspace is read-only');
    expect(shown.hint).toBe('open a writable workspace');
  });

  it('without a reviewer name nothing is sent', async () => {
    const app = await freshApp({ candidates: 3 }, null);
    await app.press('1');
    expect(app.fake.calls.some((c) => c.method === 'reviews.add')).toBe(false);
    expect(app.useErrors.getState().errors.at(-1)!.error.message).toMatch(/no reviewer name/);
  });

  it('hide reviewed: the flagged row leaves the table and the next unreviewed one is selected', async () => {
    const app = await freshApp({ candidates: 6 });
    app.useCandidates.getState().setFilter({ hideReviewed: true });
    await vi.waitFor(() => expect(app.useCandidates.getState().total).toBe(6));
    await app.useSelection.getState().select(0);
    await app.press('1');
    await vi.waitFor(() => expect(app.useCandidates.getState().total).toBe(5));
    expect(app.useSelection.getState().id).toBe(2);
    const last = app.fake.calls.filter((c) => c.method === 'candidates.list').at(-1)!;
    expect(last.args.filter).toEqual({ labels: ['unreviewed'], reviewer: 'ada' });
  });

  it('keys typed into a form field are not review keys', async () => {
    const app = await freshApp({ candidates: 3 });
    const input = document.createElement('input');
    document.body.appendChild(input);
    const { handleReviewKey } = await import('../../../renderer/components/review/useReviewKeys');
    const e = new KeyboardEvent('keydown', { key: '1', cancelable: true });
    Object.defineProperty(e, 'target', { value: input });
    expect(handleReviewKey(e, { onNote: () => {}, takeNote: () => undefined })).toBe(false);
    expect(app.fake.calls.some((c) => c.method === 'reviews.add')).toBe(false);
    input.remove();
  });
});

describe('blind mode', () => {
  beforeEach(() => localStorage.clear());

  it("hides other reviewers' labels and asks the main process for blind answers", async () => {
    const others = { 1: [['bob', 'emulsion_defect'], ['cy', 'emulsion_defect']] as [string, 'emulsion_defect'][] };
    const open = await freshApp({ candidates: 4, others });
    expect(open.useCandidates.getState().rowAt(0)!.consensus).toBe('emulsion_defect');
    expect(open.useSelection.getState().detail!.history).toHaveLength(2);

    open.useSession.getState().setBlind(true);
    await open.useCandidates.getState().reload();
    await open.useSelection.getState().select(0);
    expect(open.useCandidates.getState().rowAt(0)!.consensus).toBeNull();
    expect(open.useSelection.getState().detail!.history).toHaveLength(0);
    const lists = open.fake.calls.filter((c) => c.method === 'candidates.list');
    expect(lists.at(-1)!.args.blind).toBe(true);
    expect(open.fake.calls.filter((c) => c.method === 'candidates.get').at(-1)!.args.blind).toBe(true);
    // Remembered for the next start.
    expect(localStorage.getItem('vasco.blind')).toBe('1');
  });

  it('in blind mode a label filter applies to my own labels, not the consensus', async () => {
    const others = { 2: [['bob', 'transient']] as [string, 'transient'][] };
    const app = await freshApp({ candidates: 4, others });
    app.useSession.getState().setBlind(true);
    app.useCandidates.getState().setFilter({ labels: ['transient'] });
    await vi.waitFor(() => expect(app.useCandidates.getState().total).not.toBeNull());
    expect(app.useCandidates.getState().total).toBe(0);
    const last = app.fake.calls.filter((c) => c.method === 'candidates.list').at(-1)!;
    expect(last.args.filter).toEqual({ labels: ['transient'], reviewer: 'ada' });
  });
});
