import { useEffect, useState } from 'react';
import { REVIEW_LABELS } from '../../../electron/store/labels';
import { call } from '../../api';
import { useCandidates, type LabelFilter } from '../../stores/candidates';
import { useSession } from '../../stores/session';
import { flaggedReasonsOf, useRunDetail } from '../../stores/run-detail';
import { useSurvey } from '../../stores/survey';

/** Filters of the candidate table: stage flags, labels (by reviewer), free text, hide reviewed. */
export function FilterBar() {
  const filter = useCandidates((s) => s.filter);
  const blind = useSession((s) => s.blind);
  const runId = useSession((s) => s.runId);
  const detail = useRunDetail((s) => s.detail);
  const survey = useSurvey((s) => s.overview);
  const [reviewers, setReviewers] = useState<string[]>([]);
  const [text, setText] = useState(filter.text);
  const set = useCandidates.getState().setFilter;

  useEffect(() => {
    call('reviewers.list', {}).then(setReviewers, () => setReviewers([]));
  }, [runId]);

  // Typing filters after a short pause, not on every key.
  useEffect(() => {
    if (text === useCandidates.getState().filter.text) return;
    const t = setTimeout(() => set({ text }), 300);
    return () => clearTimeout(t);
  }, [text, set]);

  const reasons = flaggedReasonsOf(detail);

  return (
    <div className="filterbar">
      <input
        className="search"
        aria-label="Search candidates"
        placeholder="id, source #, reason, note…"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.stopPropagation()}
      />
      {filter.range && (
        <span className="filter-chip" data-testid="range-filter">
          {filter.range.label}
          <button aria-label="Clear the plot filter" title="show every candidate again" onClick={() => set({ range: null })}>
            ×
          </button>
        </span>
      )}
      {survey && (
        <select aria-label="Plate" value={filter.plate ?? ''} onChange={(e) => set({ plate: e.target.value || null })}>
          <option value="">every plate</option>
          {survey.plates.map((p) => (
            <option key={p.id} value={p.id}>
              {p.id} ({p.runId === null ? p.state : p.candidates})
            </option>
          ))}
        </select>
      )}
      <select
        aria-label="Stage flag"
        value={filter.reasons[0] ?? ''}
        onChange={(e) => set({ reasons: e.target.value ? [e.target.value] : [] })}
      >
        <option value="">any stage flag</option>
        {reasons.map((r) => (
          <option key={r} value={r}>
            flag: {r}
          </option>
        ))}
      </select>
      <select
        aria-label="Label"
        value={filter.labels[0] ?? ''}
        disabled={filter.hideReviewed}
        onChange={(e) => set({ labels: e.target.value ? [e.target.value as LabelFilter] : [] })}
      >
        <option value="">any label</option>
        <option value="unreviewed">unreviewed</option>
        {REVIEW_LABELS.map((l) => (
          <option key={l.label} value={l.label}>
            {l.title}
          </option>
        ))}
      </select>
      {!blind && (
        <select
          aria-label="Labels of reviewer"
          value={filter.reviewer ?? ''}
          disabled={filter.hideReviewed}
          onChange={(e) => set({ reviewer: e.target.value || null })}
        >
          <option value="">consensus</option>
          {reviewers.map((r) => (
            <option key={r} value={r}>
              by {r}
            </option>
          ))}
        </select>
      )}
      <label className="toggle">
        <input
          type="checkbox"
          aria-label="Hide reviewed"
          checked={filter.hideReviewed}
          onChange={(e) => set({ hideReviewed: e.target.checked })}
        />
        hide reviewed
      </label>
    </div>
  );
}
