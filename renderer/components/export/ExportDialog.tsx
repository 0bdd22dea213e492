/** Export the run's catalogue (vetted or all, chosen labels) as CSV or VOTable, downloaded by the browser. */
import { useState } from 'react';
import { REVIEW_LABELS, type ReviewLabel } from '../../../electron/store/labels';
import { call } from '../../api';
import { base64ToBytes, downloadBytes } from '../../lib/fits';
import { useSession } from '../../stores/session';
import { toUiError, type UiError } from '../../api';

export function ExportDialog({ onClose }: { onClose(): void }) {
  const runId = useSession((s) => s.runId);
  const [scope, setScope] = useState<'vetted' | 'all'>('vetted');
  const [format, setFormat] = useState<'csv' | 'votable'>('csv');
  const [labels, setLabels] = useState<ReviewLabel[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ rows: number; file: string } | null>(null);
  const [error, setError] = useState<UiError | null>(null);

  async function run() {
    if (runId === null) return;
    setBusy(true);
    setError(null);
    try {
      const res = await call('export.run', { runId, scope, format, ...(labels.length ? { labels } : {}) });
      const name = res.file.split(/[\\/]/).pop() || `vasco-run${runId}.${format === 'csv' ? 'csv' : 'vot'}`;
      downloadBytes(base64ToBytes(res.contentBase64), name, format === 'csv' ? 'text/csv' : 'application/x-votable+xml');
      setDone({ rows: res.rows, file: res.file });
    } catch (err) {
      setError(toUiError(err, 'export.run'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="modal-backdrop" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="modal" role="dialog" aria-label="Export catalogue">
        <h2>Export catalogue</h2>
        <fieldset>
          <legend>Scope</legend>
          <label>
            <input type="radio" name="scope" checked={scope === 'vetted'} onChange={() => setScope('vetted')} /> vetted (consensus: transient)
          </label>
          <label>
            <input type="radio" name="scope" checked={scope === 'all'} onChange={() => setScope('all')} /> all candidates, with their labels
          </label>
        </fieldset>
        <fieldset>
          <legend>Labels {labels.length === 0 && <span className="muted small">(any)</span>}</legend>
          <div className="label-grid">
            {REVIEW_LABELS.map((l) => (
              <label key={l.label}>
                <input
                  type="checkbox"
                  checked={labels.includes(l.label)}
                  onChange={(e) => setLabels(e.target.checked ? [...labels, l.label] : labels.filter((x) => x !== l.label))}
                />{' '}
                {l.title}
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>Format</legend>
          <label>
            <input type="radio" name="format" checked={format === 'csv'} onChange={() => setFormat('csv')} /> CSV
          </label>
          <label>
            <input type="radio" name="format" checked={format === 'votable'} onChange={() => setFormat('votable')} /> VOTable
          </label>
        </fieldset>
        {done && (
          <p className="ok mono small" data-testid="export-done">
            {done.rows} rows written to {done.file}
          </p>
        )}
        {error && (
          <div className="error-inline">
            {error.message}
            {error.hint && <div className="error-hint">→ {error.hint}</div>}
          </div>
        )}
        <div className="modal-actions">
          <button onClick={onClose}>Close</button>
          <button className="primary" disabled={busy || runId === null} onClick={() => void run()}>
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </div>
    </div>
  );
}
