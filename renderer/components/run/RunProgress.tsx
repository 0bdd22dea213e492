/** Live progress of the current job: one bar per stage with ETA, the log tail, cancel / resume. */
import { useEffect, useRef } from 'react';
import { duration } from '../../lib/format';
import { usePipeline } from '../../stores/pipeline';

export function RunProgress() {
  const { jobId, state, stages, log, error } = usePipeline();
  const logRef = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log]);
  if (!state) return null;
  return (
    <section className="panel run-progress" data-testid="run-progress">
      <header className="panel-head">
        <h3>Job</h3>
        <span className="mono muted">{jobId ?? '…'}</span>
        <span className={`state state-${state}`}>{state}</span>
        <span className="spacer" />
        {state === 'running' && (
          <button onClick={() => void usePipeline.getState().cancel()}>cancel</button>
        )}
        {(state === 'cancelled' || state === 'failed') && (
          <button className="primary" onClick={() => void usePipeline.getState().resume()} title="continue from the last finished stage">
            resume
          </button>
        )}
      </header>
      {error && <div className="error-inline">{error}</div>}
      <table className="stages mono">
        <tbody>
          {stages.map((s) => (
            <tr key={s.stage}>
              <td className="stage-name">{s.stage}</td>
              <td className="stage-bar">
                <div className="bar">
                  <div style={{ width: `${Math.round(s.fraction * 100)}%` }} />
                </div>
              </td>
              <td className="right">{Math.round(s.fraction * 100)}%</td>
              <td className="right muted">{s.fraction >= 1 ? 'done' : `ETA ${duration(s.etaSeconds)}`}</td>
              <td className="muted small ellipsis">{s.message ?? ''}</td>
            </tr>
          ))}
          {stages.length === 0 && (
            <tr>
              <td className="muted">waiting for the first stage…</td>
            </tr>
          )}
        </tbody>
      </table>
      <pre className="log" ref={logRef} aria-label="Log">
        {log.slice(-200).join('\n')}
      </pre>
    </section>
  );
}
