/**
 * The review column: label buttons (each shows its key), the note for the next
 * flag, undo, progress and this candidate's review history. A label appears
 * as set only after the main process acknowledged it.
 */
import { useMemo, useRef, useState } from 'react';
import { REVIEW_LABELS, reviewLabelInfo, type ReviewLabel } from '../../../electron/store/labels';
import { useReview } from '../../stores/review';
import { useSelection } from '../../stores/selection';
import { useSession } from '../../stores/session';
import { useReviewKeys } from './useReviewKeys';

export function ReviewPanel() {
  const detail = useSelection((s) => s.detail);
  const { pending, undoStack, advance, progress } = useReview();
  const blind = useSession((s) => s.blind);
  const reviewer = useSession((s) => s.reviewer);
  const [note, setNote] = useState('');
  const [editing, setEditing] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const noteValue = useRef('');
  noteValue.current = note;

  const handlers = useMemo(
    () => ({
      onNote() {
        setEditing(true);
        setTimeout(() => noteRef.current?.focus(), 0);
      },
      takeNote() {
        const n = noteValue.current.trim();
        setNote('');
        return n || undefined;
      },
    }),
    [],
  );
  useReviewKeys(handlers);

  const row = detail?.row;
  const isPending = row ? pending[row.id] : undefined;
  const current = row?.myLabel ?? null;

  return (
    <section className="panel review" data-testid="review-panel">
      <header className="panel-head">
        <h3>Flag</h3>
        <span className="mono small" data-testid="my-label">
          {isPending ? <em className="pending">saving {isPending}…</em> : current ? `yours: ${current}` : 'not labelled by you'}
        </span>
      </header>
      <div className="labels">
        {REVIEW_LABELS.map((l) => (
          <button
            key={l.label}
            className={`label-btn${current === l.label ? ' current' : ''}${isPending === l.label ? ' pending' : ''}`}
            title={l.description}
            disabled={!row || !!isPending || !reviewer}
            data-label={l.label}
            onClick={() => void useReview.getState().flag(l.label as ReviewLabel, handlers.takeNote())}
          >
            <kbd>{l.key}</kbd> {l.title}
          </button>
        ))}
      </div>
      <div className="note">
        {editing ? (
          <textarea
            ref={noteRef}
            aria-label="Note for the next flag"
            rows={2}
            value={note}
            placeholder="note for the next flag (Enter keeps it, Esc discards)"
            onChange={(e) => setNote(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                setEditing(false);
                noteRef.current?.blur();
              } else if (e.key === 'Escape') {
                setNote('');
                setEditing(false);
                noteRef.current?.blur();
              }
            }}
          />
        ) : (
          <button className="linkish" onClick={handlers.onNote}>
            {note ? `note: “${note}” (attached to the next flag)` : '⏎ add a note to the next flag'}
          </button>
        )}
      </div>
      <div className="review-actions">
        <button onClick={() => void useSelection.getState().prev()} title="previous (p)">
          <kbd>p</kbd> prev
        </button>
        <button onClick={() => void useSelection.getState().next()} title="next (n)">
          <kbd>n</kbd> next
        </button>
        <button disabled={!undoStack.length} onClick={() => void useReview.getState().undo()} title="withdraw your last flag (u)">
          <kbd>u</kbd> undo
        </button>
        <label className="toggle">
          <input type="checkbox" checked={advance} onChange={(e) => useReview.getState().setAdvance(e.target.checked)} />
          advance after flag
        </label>
      </div>
      <div className="progress-bar" title="labelled by you / all candidates">
        <div style={{ width: progress && progress.total ? `${(100 * progress.reviewed) / progress.total}%` : '0%' }} />
      </div>
      <div className="history">
        <h4>History {blind && <span className="muted small">(blind: yours only)</span>}</h4>
        {detail && detail.history.length === 0 && <div className="muted small">no reviews yet</div>}
        <ol>
          {detail?.history
            .slice()
            .reverse()
            .map((ev) => (
              <li key={ev.id} className={`mono small ${ev.action}`}>
                <span className="muted">{ev.createdUtc.slice(0, 19).replace('T', ' ')}</span> {ev.reviewer}{' '}
                {ev.action === 'undo' ? `withdrew ${ev.label}` : reviewLabelInfo(ev.label).title}
                {ev.note ? ` — “${ev.note}”` : ''}
              </li>
            ))}
        </ol>
      </div>
    </section>
  );
}
