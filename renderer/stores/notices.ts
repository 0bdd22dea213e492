/**
 * Acknowledgements of what the reviewer just did ("#19 labelled transient"),
 * shown for a few seconds in a status line, so every key press is answered
 * and names the candidate it acted on.
 */
import { create } from 'zustand';

export interface Notice {
  id: number;
  text: string;
}

interface NoticesState {
  notices: Notice[];
  say(text: string): void;
}

/** How long a notice stays, and how many are shown at once. */
const NOTICE_MS = 5000;
const MAX_NOTICES = 3;

let nextId = 1;

export const useNotices = create<NoticesState>((set) => ({
  notices: [],
  say(text) {
    const id = nextId++;
    set((s) => ({ notices: [...s.notices, { id, text }].slice(-MAX_NOTICES) }));
    setTimeout(() => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })), NOTICE_MS);
  },
}));
