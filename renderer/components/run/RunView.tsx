/** Plate run: the form, the live job, and the open run's funnel with drop reasons. */
import { useEffect } from 'react';
import { useSession } from '../../stores/session';
import { useRunDetail } from '../../stores/run-detail';
import { RunForm } from './RunForm';
import { RunProgress } from './RunProgress';
import { Funnel } from '../plots/Funnel';
import { duration } from '../../lib/format';

export function RunView() {
  const runId = useSession((s) => s.runId);
  const detail = useRunDetail((s) => s.detail);
  useEffect(() => {
    void useRunDetail.getState().load(runId);
  }, [runId]);
  const summary = detail?.summary;
  return (
    <div className="run-view">
      <RunForm />
      <div className="run-right">
        <RunProgress />
        {summary && (
          <section className="panel" data-testid="run-summary">
            <header className="panel-head">
              <h3>
                Run <span className="mono">#{detail.row.id}</span> · {summary.plates.red.region}
                {summary.plates.blue ? ` / ${summary.plates.blue.region}` : ''}
              </h3>
              <span className="mono muted small">
                {summary.mode} · {summary.candidates} candidates · {duration(summary.stages.reduce((a, s) => a + s.seconds, 0))}
              </span>
            </header>
            <Funnel stages={summary.stages} />
            {summary.modeReason && <p className="muted small">mode: {summary.modeReason}</p>}
            {summary.notes.length > 0 && (
              <ul className="notes small">
                {summary.notes.map((n, i) => (
                  <li key={i}>{n}</li>
                ))}
              </ul>
            )}
            <p className="muted small mono">out: {detail.row.outDir}</p>
          </section>
        )}
      </div>
    </div>
  );
}
