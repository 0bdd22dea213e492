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
  const { settled } = await import('../../../renderer/stores/action-queue');
  await useSession.getState().load();
  await useCandidates.getState().reload();
  await useSelection.getState().select(0);
  /** Press a key (without waiting for what it queued). */
  const type = (key: string) => handleReviewKey(new KeyboardEvent('keydown', { key, cancelable: true }), { onComment: () => {} });
  /** Press a key and wait until every queued action has run. */
  const press = async (key: string) => {
    type(key);
    await settled();
  };
  return { fake, useSession, useCandidates, useSelection, useReview, useErrors, press, type, settled };
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
    handleReviewKey(e, { onComment: () => {} });
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
    await vi.waitFor(() => expect(app.useReview.getState().progress).toEqual({ reviewed: 3, total: 10 }));
    expect(app.useCandidates.getState().rowAt(2)!.myLabel).toBe('unsure');
    await app.press('u');
    expect(app.useSelection.getState().id).toBe(3);
    expect(app.useCandidates.getState().rowAt(2)!.myLabel).toBeNull();
    expect(app.useCandidates.getState().rowAt(1)!.myLabel).toBe('emulsion_defect');
    await vi.waitFor(() => expect(app.useReview.getState().progress).toEqual({ reviewed: 2, total: 10 }));
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
    expect(handleReviewKey(e, { onComment: () => {} })).toBe(false);
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

describe('one selection, no lost keys', () => {
  it('five digits typed 60 ms apart label five candidates in order, each acknowledged by name', async () => {
    const app = await freshApp({ candidates: 10, reviewDelayMs: 40 });
    const { useNotices } = await import('../../../renderer/stores/notices');
    const seen: string[] = [];
    useNotices.subscribe((s) => s.notices.forEach((n) => !seen.includes(n.text) && seen.push(n.text)));
    for (const key of ['1', '2', '3', '4', '5']) {
      app.type(key);
      await new Promise((r) => setTimeout(r, 60));
    }
    await app.settled();
    const labels = app.fake.events.map((e) => [e.candidateId, e.label]);
    expect(labels).toEqual([[1, 'transient'], [2, 'emulsion_defect'], [3, 'dust_or_scratch'], [4, 'halo_or_ghost'], [5, 'diffraction_spike']]);
    expect(seen).toEqual(['#1 labelled transient', '#2 labelled emulsion_defect', '#3 labelled dust_or_scratch', '#4 labelled halo_or_ghost', '#5 labelled diffraction_spike']);
    expect(app.useSelection.getState().id).toBe(6);
    // Each flag had its own idempotency key.
    const keys = app.fake.calls.filter((c) => c.method === 'reviews.add').map((c) => c.args.idempotencyKey);
    expect(new Set(keys).size).toBe(5);
  });

  it('u typed right after flags undoes the last of them, in order', async () => {
    const app = await freshApp({ candidates: 10, reviewDelayMs: 20 });
    app.type('1');
    app.type('2');
    app.type('u');
    await app.settled();
    expect(app.fake.events.map((e) => [e.candidateId, e.action])).toEqual([[1, 'label'], [2, 'label'], [2, 'undo']]);
    expect(app.useSelection.getState().id).toBe(2);
  });

  it('after a sort the selected candidate stays selected where it now sits, and a flag labels it', async () => {
    const app = await freshApp({ candidates: 50 });
    await app.useReview.getState().choose(18); // candidate #19
    expect(app.useSelection.getState().id).toBe(19);
    app.useCandidates.getState().setSort('snr');
    app.useCandidates.getState().setSort('snr');
    await app.settled();
    const order = app.fake.calls.filter((c) => c.method === 'candidates.list' && c.args.locate === 19);
    expect(order.length).toBeGreaterThan(0);
    const sel = app.useSelection.getState();
    expect(sel.id).toBe(19);
    expect(app.useCandidates.getState().rowAt(sel.index!)!.id).toBe(19);
    expect(sel.index).not.toBe(18);
    await app.press('1');
    expect(app.fake.events.map((e) => e.candidateId)).toEqual([19]);
  });

  it('when a filter hides the selected candidate, the first row shown is selected', async () => {
    const app = await freshApp({ candidates: 8, others: { 5: [['bob', 'blend']] } });
    await app.useReview.getState().choose(2);
    app.useCandidates.getState().setFilter({ labels: ['blend'] });
    await app.settled();
    expect(app.useSelection.getState().id).toBe(5);
    expect(app.useSelection.getState().index).toBe(0);
    app.useCandidates.getState().setFilter({ labels: ['asteroid'] });
    await app.settled();
    expect(app.useSelection.getState().id).toBeNull();
  });

  it('a flag whose reply was lost is sent again with the same key and stored once', async () => {
    const app = await freshApp({ candidates: 4, loseReviewReplies: 1 });
    await app.press('1');
    const sent = app.fake.calls.filter((c) => c.method === 'reviews.add');
    expect(sent).toHaveLength(2);
    expect(sent[0].args.idempotencyKey).toBe(sent[1].args.idempotencyKey);
    expect(app.fake.events).toHaveLength(1);
    expect(app.useCandidates.getState().rowAt(0)!.myLabel).toBe('transient');
    expect(app.useErrors.getState().errors).toEqual([]);
  });

  it('blind mode: the progress request names the reviewer and the counter moves', async () => {
    const app = await freshApp({ candidates: 6 });
    app.useSession.getState().setBlind(true);
    await app.useCandidates.getState().reload();
    await app.useReview.getState().refreshProgress();
    await app.press('1');
    await vi.waitFor(() => expect(app.useReview.getState().progress).toEqual({ reviewed: 1, total: 6 }));
    const lists = app.fake.calls.filter((c) => c.method === 'candidates.list' && c.args.blind);
    expect(lists.every((c) => c.args.reviewer === 'ada')).toBe(true);
    expect(app.useErrors.getState().errors).toEqual([]);
  });

  it('an error banner goes once the same action works again', async () => {
    const app = await freshApp({ candidates: 4 });
    app.useSession.setState({ reviewer: null });
    await app.press('1');
    expect(app.useErrors.getState().errors.map((e) => e.action)).toEqual(['reviews.add']);
    app.useSession.setState({ reviewer: 'ada' });
    await app.press('1');
    expect(app.useErrors.getState().errors).toEqual([]);
  });

  it('select, checkbox and slider do not keep the review keys; text fields do', async () => {
    const app = await freshApp({ candidates: 4 });
    const { handleReviewKey, isTextField } = await import('../../../renderer/components/review/useReviewKeys');
    const make = (html: string) => {
      const host = document.createElement('div');
      host.innerHTML = html;
      document.body.appendChild(host);
      return host.firstElementChild as HTMLElement;
    };
    for (const html of ['<select><option>1</option></select>', '<input type="checkbox">', '<input type="range">', '<button>x</button>']) {
      const el = make(html);
      expect(isTextField(el), html).toBe(false);
      const e = new KeyboardEvent('keydown', { key: 'n', cancelable: true });
      Object.defineProperty(e, 'target', { value: el });
      expect(handleReviewKey(e, { onComment: () => {} }), html).toBe(true);
      expect(e.defaultPrevented, html).toBe(true);
    }
    for (const html of ['<input type="text">', '<input type="search">', '<input type="number">', '<input>', '<textarea></textarea>']) {
      expect(isTextField(make(html)), html).toBe(true);
    }
    await app.settled();
    expect(app.useSelection.getState().id).toBe(4);
  });
});
