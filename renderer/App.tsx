/**
 * The workstation's shell: a top bar (run, reviewer, blind mode, progress) and
 * three views — Run (start a plate, live progress, funnel), Review (table and
 * inspection panels) and Plots.
 */
import { useEffect } from 'react';
import { useSession } from './stores/session';
import { useCandidates } from './stores/candidates';
import { useSelection } from './stores/selection';
import { useReview } from './stores/review';
import { TopBar } from './components/common/TopBar';
import { ErrorBanner } from './components/common/ErrorBanner';
import { StatusToast } from './components/common/StatusToast';
import { RunView } from './components/run/RunView';
import { ReviewView } from './components/review/ReviewView';
import { PlotsView } from './components/plots/PlotsView';
import { ReviewerPrompt } from './components/review/ReviewerPrompt';
import { SampBar } from './components/samp/SampBar';
import { SurveyView } from './components/survey/SurveyView';
import { PublishedView } from './components/published/PublishedView';
import { useSurvey } from './stores/survey';

export function App() {
  const view = useSession((s) => s.view);
  const runId = useSession((s) => s.runId);
  const reviewer = useSession((s) => s.reviewer);
  const blind = useSession((s) => s.blind);
  const info = useSession((s) => s.info);
  const surveyOpen = useSurvey((s) => s.overview !== null);

  useEffect(() => {
    // A survey's store opens on the survey view.
    void useSession
      .getState()
      .load()
      .then(() => useSurvey.getState().load())
      .then(() => useSurvey.getState().overview && useSession.getState().setView('survey'));
  }, []);

  // A different run, reviewer or blind setting is a different query.
  useEffect(() => {
    if (runId === null) return;
    useSelection.getState().clear();
    void useCandidates
      .getState()
      .reload()
      .then(() => {
        if (useCandidates.getState().total) void useSelection.getState().select(0);
      });
    void useReview.getState().refreshProgress();
    if (surveyOpen) void useSurvey.getState().load();
  }, [runId, reviewer, blind, surveyOpen]);

  return (
    <div className="app">
      <TopBar />
      <ErrorBanner />
      {view === 'review' && <SampBar />}
      <main className="app-main">
        {view === 'run' && <RunView />}
        {view === 'review' && <ReviewView />}
        {view === 'plots' && <PlotsView />}
        {view === 'survey' && <SurveyView />}
        {view === 'published' && <PublishedView />}
      </main>
      <StatusToast />
      {info && !reviewer && <ReviewerPrompt />}
    </div>
  );
}
