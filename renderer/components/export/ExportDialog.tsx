/**
 * Export the run's catalogue (vetted or all, chosen labels) as CSV, ECSV, VOTable or DS9 regions, downloaded
 * by the browser. A CSV's provenance stays beside it in the run folder (the message says where).
 */
import { useEffect, useState } from 'react';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, provenanceSidecar, type ExportFormat } from '../../../electron/export/formats';
import { REVIEW_LABELS, type ReviewLabel } from '../../../electron/store/labels';
import { call } from '../../api';
import { base64ToBytes, downloadBytes } from '../../lib/fits';
import { useSession } from '../../stores/session';
import { toUiError, type UiError } from '../../api';

export function ExportDialog({ onClose }: { onClose(): void }) {
  const runId = useSession((s) => s.runId);
  const [scope, setScope] = useState<'vetted' | 'all'>('vetted');
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [labels, setLabels] = useState<ReviewLabel[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ rows: number; file: string; provenanceFile?: string } | null>(null);
  const [error, setError] = useState<UiError | null>(null);

  // Escape closes it wherever the focus is (the review keys stand aside while a modal is open).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  async function run() {
    if (runId === null) return;
    setBusy(true);
    setError(null);
    try {
      const res = await call('export.run', { runId, scope, format, ...(labels.length ? { labels } : {}) });
      const { extension, mime } = EXPORT_FORMATS[format];
      const name = res.file.split(/[\\/]/).pop() || `vasco-run${runId}.${extension}`;
      downloadBytes(base64ToBytes(res.contentBase64), name, mime);
      setDone({ rows: res.rows, file: res.file, ...(format === 'csv' ? { provenanceFile: provenanceSidecar(res.file) } : {}) });
    } catch (err) {
      setError(toUiError(err, 'export.run'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="modal-backdrop">
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
          {EXPORT_FORMAT_NAMES.map((f) => (
            <label key={f} title={EXPORT_FORMATS[f].note}>
              <input type="radio" name="format" checked={format === f} onChange={() => setFormat(f)} /> {EXPORT_FORMATS[f].title}
            </label>
          ))}
          <div className="muted small">{EXPORT_FORMATS[format].note}</div>
        </fieldset>
        {done && (
          <p className="ok mono small" data-testid="export-done">
            {done.rows} rows written to {done.file}
            {done.provenanceFile && <> (provenance beside it: {done.provenanceFile})</>}
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
