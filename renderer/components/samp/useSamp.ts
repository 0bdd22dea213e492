/**
 * The workstation's SAMP link as the renderer sees it: the connection's
 * status, the last answer in words, and the actions (send the table, the
 * cutouts, point at the candidate). The reviewer's selection is sent as a
 * row highlight while "follow" is on; a row TOPCAT highlights selects that
 * candidate here (the samp.select event), without echoing it back.
 */
import { create } from 'zustand';
import { call, onEvent, toUiError, type MethodResult } from '../../api';
import { useSession } from '../../stores/session';
import { useSelection } from '../../stores/selection';
import { useNotices } from '../../stores/notices';
import { enqueue } from '../../stores/action-queue';

type Status = MethodResult<'samp.status'>;

export interface SampNote {
  text: string;
  hint?: string;
  error: boolean;
}

interface SampState {
  status: Status | null;
  /** What is under way ("sending the table"), null when idle. */
  busy: string | null;
  note: SampNote | null;
  /** Send the reviewer's candidate to the table viewers as a row highlight. */
  follow: boolean;
  /** Which table `T` sends: every candidate of the run, or the vetted ones. */
  scope: 'all' | 'vetted';
  refresh(): Promise<void>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  sendTable(): Promise<void>;
  sendCutouts(): Promise<void>;
  pointAt(): Promise<void>;
  setFollow(on: boolean): void;
  setScope(scope: 'all' | 'vetted'): void;
}

/** The candidate a samp.select just chose: its own selection change is not sent back. */
let fromSamp: number | null = null;

export const useSamp = create<SampState>((set, get) => {
  /** Run one action, keeping its answer (or its error with the hint) for the bar to show. */
  async function act(what: string, run: () => Promise<string>): Promise<void> {
    set({ busy: what });
    try {
      set({ note: { text: await run(), error: false } });
    } catch (err) {
      const e = toUiError(err, what);
      set({ note: { text: e.message, hint: e.hint, error: true } });
    } finally {
      set({ busy: null });
      void get().refresh();
    }
  }
  const selected = (): number => {
    const id = useSelection.getState().id;
    if (id === null) throw new Error('select a candidate first');
    return id;
  };
  const names = (peers: { name: string }[]) => (peers.length ? peers.map((p) => p.name).join(', ') : 'nobody (no tool listens for it)');

  return {
    status: null,
    busy: null,
    note: null,
    follow: true,
    scope: 'all',
    async refresh() {
      try {
        set({ status: await call('samp.status', {}) });
      } catch {
        /* the bar keeps its last status; actions report their own errors */
      }
    },
    connect: () =>
      act('samp.connect', async () => {
        const s = await call('samp.connect', {});
        set({ status: s });
        return `connected to the SAMP hub: ${names(s.peers)}`;
      }),
    disconnect: () =>
      act('samp.disconnect', async () => {
        set({ status: await call('samp.disconnect', {}) });
        return 'disconnected from the SAMP hub';
      }),
    sendTable: () =>
      act('samp.sendTable', async () => {
        const runId = useSession.getState().runId;
        if (runId === null) throw new Error('open a run first');
        const r = await call('samp.sendTable', { runId, scope: get().scope });
        const id = useSelection.getState().id;
        if (id !== null && get().follow) await call('samp.highlight', { candidateId: id });
        return r.summary;
      }),
    sendCutouts: () =>
      act('samp.sendCutouts', async () => (await call('samp.sendCutouts', { candidateId: selected() })).summary),
    pointAt: () =>
      act('samp.pointAt', async () => {
        const id = selected();
        return `pointed ${names((await call('samp.pointAt', { candidateId: id })).recipients)} at #${id}`;
      }),
    setFollow(on) {
      set({ follow: on });
    },
    setScope(scope) {
      set({ scope });
    },
  };
});

/**
 * Listen for the main process's SAMP events and follow the reviewer's
 * selection; returns the function that stops both (the bar's lifetime).
 */
export function linkSamp(): () => void {
  const offSelect = onEvent('samp.select', (s) => {
    if (s.runId !== useSession.getState().runId) return;
    void enqueue(async () => {
      // Only a change of selection is to be kept from echoing (a candidate already selected changes nothing).
      fromSamp = useSelection.getState().id === s.candidateId ? null : s.candidateId;
      const shown = await useSelection.getState().selectId(s.candidateId);
      if (!shown) fromSamp = null;
      useNotices.getState().say(shown ? `#${s.candidateId} selected in ${s.from}` : `#${s.candidateId} (selected in ${s.from}) is hidden by the filters`);
      return true;
    });
  });
  const offStatus = onEvent('samp.status', (status) => {
    useSamp.setState({ status });
    if (!status.connected && status.message) useSamp.setState({ note: { text: `SAMP ${status.message}`, error: true } });
  });
  const offSelection = useSelection.subscribe((s, prev) => {
    if (s.id === prev.id || s.id === null) return;
    if (s.id === fromSamp) {
      fromSamp = null;
      return;
    }
    const { status, follow } = useSamp.getState();
    if (follow && status?.connected && status.table?.runId === useSession.getState().runId) {
      call('samp.highlight', { candidateId: s.id }).catch(() => undefined);
    }
  });
  void useSamp.getState().refresh();
  return () => {
    offSelect();
    offStatus();
    offSelection();
  };
}
