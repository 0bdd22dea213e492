/**
 * The published layer: the published VASCO sources of the open run (its
 * --vasco audit) on the plate map and as a table with the stage that kept or
 * dropped each one, and, for the selected one, what the run saw there: the
 * matched source's ledger, the nearest blue detection, and red/blue frames at
 * the published position. A row whose source is a candidate opens that
 * candidate in Review (its cutouts, blink and flags). j/k or ↓/↑ step.
 */
import { useEffect, useState } from 'react';
import { call, type MethodResult } from '../../api';
import { fmt } from '../../lib/format';
import { useSelection } from '../../stores/selection';
import { useSession } from '../../stores/session';
import { PublishedBlink } from './PublishedBlink';
import { PublishedMap, stageClass } from './PublishedMap';
import { buckets, shownRows, usePublished, type PublishedRow } from './published-store';
import './published.css';

function Detail({ row }: { row: PublishedRow }) {
  const open = async () => {
    useSession.getState().setView('review');
    await useSelection.getState().selectId(row.candidateId!);
  };
  return (
    <section className="panel published-detail" data-testid="published-detail">
      <header className="panel-head">
        <h3>Published {row.publishedId}</h3>
        <span className={`pub-stage ${stageClass(row.stage)}`} data-testid="published-detail-stage">{row.stage}</span>
        {row.candidateId !== null && (
          <button onClick={() => void open()} data-testid="open-candidate" title="open it in Review: cutouts, blink and flags">
            {row.stage === 'not-detected' ? `open the nearest candidate #${row.candidateId}` : `open candidate #${row.candidateId}`}
          </button>
        )}
      </header>
      <dl className="kv mono">
        <dt>RA, Dec</dt><dd>{row.ra.toFixed(6)}, {row.dec.toFixed(6)}</dd>
        <dt>red source</dt><dd>{row.sourceNumber === null ? 'none within the search radius' : `#${row.sourceNumber}, ${fmt(row.separationArcsec, 2)}″ away`}</dd>
        <dt>blue detection</dt><dd>{row.blueDetectionNumber === null ? 'none near' : `#${row.blueDetectionNumber}, ${fmt(row.blueDetectionArcsec, 2)}″, mag ${fmt(row.blueDetectionMag, 2)}`}</dd>
        {row.detail && (<><dt>why</dt><dd>{row.detail}</dd></>)}
      </dl>
      {row.ledger.length > 0 && (
        <ul className="pub-ledger mono" data-testid="published-ledger">
          {row.ledger.map((l, i) => <li key={i} className={l.startsWith('DROP') ? 'drop' : ''}>{l}</li>)}
        </ul>
      )}
      <PublishedBlink publishedId={row.id} size={300} />
    </section>
  );
}

export function PublishedView() {
  const runId = useSession((s) => s.runId);
  const { rows, plate, filter, selectedId, runId: loadedRun } = usePublished();
  const [sources, setSources] = useState<MethodResult<'runs.histograms'>['positions'] | null>(null);

  useEffect(() => {
    if (runId === null) return;
    void usePublished.getState().load(runId);
    let live = true;
    call('runs.histograms', { runId }).then((h) => live && setSources(h.positions), () => live && setSources(null));
    return () => {
      live = false;
    };
  }, [runId]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      if (e.key === 'j' || e.key === 'ArrowDown') usePublished.getState().step(1);
      else if (e.key === 'k' || e.key === 'ArrowUp') usePublished.getState().step(-1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    document.querySelector(`[data-testid="published-row"][data-id="${selectedId}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  if (runId === null) return <div className="placeholder">open a run</div>;
  if (loadedRun === runId && rows.length === 0)
    return <div className="placeholder" data-testid="published-empty">this run has no published-source audit: run it with --vasco FILE (the published catalogue, CSV or VOTable)</div>;
  const shown = shownRows(rows, filter);
  const selected = rows.find((r) => r.id === selectedId) ?? null;
  const counts = buckets(rows);
  return (
    <div className="published-view" data-testid="published-view">
      <section className="panel">
        <header className="panel-head">
          <h3>Published sources on the plate</h3>
          <span className="mono muted" data-testid="published-counts">
            {rows.length} published · {rows.length - (counts.find(([k]) => k === 'not-detected')?.[1] ?? 0)} detected · {counts.find(([k]) => k === 'candidate')?.[1] ?? 0} candidates
          </span>
        </header>
        {plate && <PublishedMap rows={rows} plate={plate} sources={sources} selectedId={selectedId} onPick={(id) => usePublished.getState().select(id)} />}
      </section>
      <section className="panel published-table-panel">
        <header className="panel-head">
          <label className="field">
            <span>show</span>
            <select value={filter} onChange={(e) => usePublished.getState().setFilter(e.target.value)} aria-label="Which published sources">
              <option value="missed">missed (not candidates)</option>
              <option value="all">all</option>
              {counts.map(([k, n]) => <option key={k} value={k}>{`${k} (${n})`}</option>)}
            </select>
          </label>
          <span className="mono muted">{shown.length} shown · j/k step</span>
        </header>
        <div className="published-table-wrap">
          <table className="published-table" data-testid="published-table">
            <thead>
              <tr><th>published</th><th>stage</th><th>sep ″</th><th>red #</th><th>blue ″</th></tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.id} data-testid="published-row" data-id={r.id} className={r.id === selectedId ? 'selected' : ''}
                  aria-selected={r.id === selectedId} onClick={() => usePublished.getState().select(r.id)}>
                  <td className="mono">{r.publishedId}</td>
                  <td><span className={`pub-stage ${stageClass(r.stage)}`}>{r.stage}</span></td>
                  <td className="mono">{fmt(r.separationArcsec, 1)}</td>
                  <td className="mono">{r.sourceNumber ?? ''}</td>
                  <td className="mono">{fmt(r.blueDetectionArcsec, 1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {selected && <Detail row={selected} />}
    </div>
  );
}
