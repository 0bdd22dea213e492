import { useSession, type View } from '../../stores/session';
import { useReview } from '../../stores/review';
import { useSurvey } from '../../stores/survey';

const VIEWS: { id: View; title: string }[] = [
  { id: 'run', title: 'Plate run' },
  { id: 'review', title: 'Review' },
  { id: 'plots', title: 'Plots' },
  { id: 'published', title: 'Published' },
];
const SURVEY_VIEW: { id: View; title: string } = { id: 'survey', title: 'Survey' };

export function TopBar() {
  const { info, runs, runId, view, reviewer, blind } = useSession();
  const progress = useReview((s) => s.progress);
  const surveyOpen = useSurvey((s) => s.overview !== null);
  const session = useSession.getState();

  return (
    <header className="topbar">
      <span className="brand">VASCO</span>
      <nav className="tabs" role="tablist">
        {(surveyOpen ? [SURVEY_VIEW, ...VIEWS] : VIEWS).map((v) => (
          <button
            key={v.id}
            role="tab"
            aria-selected={view === v.id}
            className={view === v.id ? 'tab active' : 'tab'}
            onClick={() => session.setView(v.id)}
          >
            {v.title}
          </button>
        ))}
      </nav>
      <label className="field">
        <span>Run</span>
        <select
          aria-label="Run"
          value={runId ?? ''}
          onChange={(e) => session.openRun(e.target.value ? Number(e.target.value) : null)}
        >
          {runs.length === 0 && <option value="">no runs yet</option>}
          {runs.map((r) => (
            <option key={r.id} value={r.id}>
              #{r.id} {r.redRegion}
              {r.blueRegion ? `/${r.blueRegion}` : ''} · {r.mode} · {r.candidates} cand. · {r.createdUtc.slice(0, 16).replace('T', ' ')}
            </option>
          ))}
        </select>
      </label>
      <span className="spacer" />
      <span className="progress-count mono" title="candidates you have labelled / candidates in this run" data-testid="review-progress">
        {progress ? `${progress.reviewed} / ${progress.total} reviewed` : '— / — reviewed'}
      </span>
      <label className="toggle" title="hide other reviewers' labels and the consensus">
        <input type="checkbox" checked={blind} onChange={(e) => session.setBlind(e.target.checked)} aria-label="Blind mode" />
        blind
      </label>
      <button
        className="reviewer"
        title="change reviewer"
        onClick={() => {
          const name = window.prompt('Reviewer name', reviewer ?? '');
          if (name) void session.setReviewer(name);
        }}
      >
        {reviewer ?? 'set reviewer'}
      </button>
      {info && (
        <span className={info.offline ? 'badge offline' : 'badge online'} title={info.dbPath}>
          {info.offline ? 'offline' : 'online'} · v{info.version}
        </span>
      )}
    </header>
  );
}
