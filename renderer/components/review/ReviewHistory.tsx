/**
 * What happened to this candidate, newest first: every flag, undo and
 * comment with its author and UTC time (blind mode: the reviewer's own).
 */
import { reviewLabelInfo } from '../../../electron/store/labels';
import type { CandidateDetail } from '../../api';

type Entry =
  | { kind: 'review'; key: string; at: string; who: string; text: string; action: 'label' | 'undo'; note: string | null }
  | { kind: 'comment'; key: string; at: string; who: string; text: string };

function entries(detail: CandidateDetail): Entry[] {
  const reviews: Entry[] = detail.history.map((ev) => ({
    kind: 'review',
    key: `r${ev.id}`,
    at: ev.createdUtc,
    who: ev.reviewer,
    action: ev.action,
    text: ev.action === 'undo' ? `withdrew ${reviewLabelInfo(ev.label).title}` : `labelled ${reviewLabelInfo(ev.label).title}`,
    note: ev.note,
  }));
  const comments: Entry[] = (detail.comments ?? []).map((c) => ({ kind: 'comment', key: `c${c.id}`, at: c.createdUtc, who: c.reviewer, text: c.body }));
  return [...reviews, ...comments].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.key < b.key ? 1 : -1));
}

/** "2026-01-05 14:03:22 UTC" from an ISO time. */
function utc(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

export function ReviewHistory({ detail, blind }: { detail: CandidateDetail | null; blind: boolean }) {
  const list = detail ? entries(detail) : [];
  return (
    <div className="history" data-testid="review-history">
      <h4>
        History and comments {blind && <span className="muted small">(blind: yours only)</span>}
      </h4>
      {detail && list.length === 0 && <div className="muted small">no flags or comments yet</div>}
      <ol>
        {list.map((e) => (
          <li key={e.key} className={`history-entry ${e.kind}${e.kind === 'review' ? ` ${e.action}` : ''}`} data-kind={e.kind}>
            <div className="history-meta small">
              <b className="history-who">{e.who}</b> <time className="muted mono" dateTime={e.at}>{utc(e.at)}</time>
            </div>
            {e.kind === 'comment' ? (
              <div className="history-comment">{e.text}</div>
            ) : (
              <div className="history-flag">
                {e.text}
                {e.note ? <span className="history-note"> — “{e.note}”</span> : null}
              </div>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
