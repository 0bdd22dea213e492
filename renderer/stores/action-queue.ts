/**
 * The reviewer's actions (flag, undo, comment, next, previous, choose a row)
 * run one at a time, in the order given. A flag typed while the previous one
 * is still being saved waits for it, and for the advance after it, instead of
 * being dropped or landing on the row the previous flag was about.
 *
 * When an action fails, the ones already queued behind it are not applied
 * (they were aimed at rows that the failed one would have led to) and the
 * reviewer is told how many; nothing is dropped silently.
 */
import { create } from 'zustand';
import { useErrors } from './errors';

interface QueueState {
  /** Actions queued or running. */
  waiting: number;
}

export const useActionQueue = create<QueueState>(() => ({ waiting: 0 }));

let tail: Promise<unknown> = Promise.resolve();
/** Bumped by a failure: actions queued before it are skipped. */
let epoch = 0;
let skipped = 0;

/** Queue `run` (resolving true when it worked); resolves with its outcome, false when skipped. */
export function enqueue(run: () => Promise<boolean>): Promise<boolean> {
  const queuedIn = epoch;
  useActionQueue.setState((s) => ({ waiting: s.waiting + 1 }));
  const done = tail.then(async () => {
    try {
      if (queuedIn !== epoch) {
        skipped++;
        return false;
      }
      const ok = await run();
      if (!ok) epoch++;
      return ok;
    } catch (err) {
      epoch++;
      useErrors.getState().report(err, 'app');
      return false;
    } finally {
      const waiting = useActionQueue.getState().waiting - 1;
      useActionQueue.setState({ waiting });
      if (waiting === 0 && skipped) {
        useErrors.getState().report(
          new Error(`${skipped} key press${skipped === 1 ? ' was' : 'es were'} not applied because an action before ${skipped === 1 ? 'it' : 'them'} failed`),
          'review',
          'queued actions',
        );
        skipped = 0;
      }
    }
  });
  tail = done;
  return done;
}

/** Resolves when every action queued so far has run (tests, and before leaving a view). */
export function settled(): Promise<void> {
  return tail.then(() => undefined);
}
