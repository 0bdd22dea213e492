/**
 * The review column: label buttons (each shows its key), a comment box,
 * undo, progress and this candidate's history with its comments. A label
 * appears as set only after the main process acknowledged it.
 */
import { useMemo, useRef, useState } from 'react';
import { REVIEW_LABELS, type ReviewLabel } from '../../../electron/store/labels';
import { useReview } from '../../stores/review';
import { useSelection } from '../../stores/selection';
import { useSession } from '../../stores/session';
import { useActionQueue } from '../../stores/action-queue';
import { ReviewHistory } from './ReviewHistory';
import { useReviewKeys } from './useReviewKeys';
import { KeyHelp } from './KeyHelp';

export function ReviewPanel() {
  const detail = useSelection((s) => s.detail);
  const { pending, undoStack, advance, progress } = useReview();
  const waiting = useActionQueue((s) => s.waiting);
  const blind = useSession((s) => s.blind);
  const reviewer = useSession((s) => s.reviewer);
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState(false);
  const [showKeys, setShowKeys] = useState(false);
  const commentRef = useRef<HTMLTextAreaElement>(null);

  const handlers = useMemo(
    () => ({
      onComment() {
        setEditing(true);
        setTimeout(() => commentRef.current?.focus(), 0);
      },
      onToggleHelp() {
        setShowKeys((shown) => !shown);
      },
    }),
    [],
  );
  useReviewKeys(handlers);

  const submitComment = () => {
    const text = comment.trim();
    if (text) void useReview.getState().comment(text);
    setComment('');
    setEditing(false);
    commentRef.current?.blur();
  };

  const row = detail?.row;
  const isPending = row ? pending[row.id] : undefined;
  const current = row?.myLabel ?? null;

  return (
    <section className="panel review" data-testid="review-panel">
      <header className="panel-head">
        <h3>Flag {row && <span className="mono">#{row.id}</span>}</h3>
        <span className="mono small" data-testid="my-label">
          {isPending ? <em className="pending">saving {isPending}…</em> : current ? `yours: ${current}` : 'not labelled by you'}
          {waiting > 1 && <span className="muted" data-testid="queued"> · {waiting - 1} queued</span>}
        </span>
      </header>
      <div className="labels">
        {REVIEW_LABELS.map((l) => (
          <button
            key={l.label}
            className={`label-btn${current === l.label ? ' current' : ''}${isPending === l.label ? ' pending' : ''}`}
            title={l.description}
            disabled={!row || !reviewer}
            data-label={l.label}
            onClick={() => void useReview.getState().flag(l.label as ReviewLabel)}
          >
            <kbd>{l.key}</kbd> {l.title}
          </button>
        ))}
      </div>
      <div className="comment-box">
        {editing ? (
          <>
            <textarea
              ref={commentRef}
              aria-label="Comment on this candidate"
              rows={3}
              value={comment}
              placeholder="comment on this candidate (Enter adds it, Shift+Enter new line, Esc cancels)"
              onChange={(e) => setComment(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  submitComment();
                } else if (e.key === 'Escape') {
                  setComment('');
                  setEditing(false);
                  commentRef.current?.blur();
                }
              }}
            />
            <div className="comment-actions">
              <button className="primary" disabled={!comment.trim() || !row || !reviewer} onClick={submitComment}>
                Add comment
              </button>
              <button onClick={() => (setComment(''), setEditing(false))}>Cancel</button>
            </div>
          </>
        ) : (
          <button className="linkish" disabled={!row} onClick={handlers.onComment}>
            <kbd>⏎</kbd> add a comment
          </button>
        )}
      </div>
      <div className="review-actions">
        <button onClick={() => void useReview.getState().step(-1)} title="previous (p)">
          <kbd>p</kbd> prev
        </button>
        <button onClick={() => void useReview.getState().step(1)} title="next (n)">
          <kbd>n</kbd> next
        </button>
        <button disabled={!undoStack.length} onClick={() => void useReview.getState().undo()} title="withdraw your last flag (u)">
          <kbd>u</kbd> undo
        </button>
        <label className="toggle">
          <input type="checkbox" checked={advance} onChange={(e) => useReview.getState().setAdvance(e.target.checked)} />
          advance after flag
        </label>
        <button className="linkish" onClick={() => setShowKeys(true)} title="every key of this screen (?)">
          <kbd>?</kbd> keys
        </button>
      </div>
      <div className="progress-bar" title="labelled by you / all candidates">
        <div style={{ width: progress && progress.total ? `${(100 * progress.reviewed) / progress.total}%` : '0%' }} />
      </div>
      <ReviewHistory detail={detail} blind={blind} />
      {showKeys && <KeyHelp onClose={() => setShowKeys(false)} />}
    </section>
  );
}
