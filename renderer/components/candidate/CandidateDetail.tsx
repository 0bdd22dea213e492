/** The selected candidate: position, measurements, its blue side and its ledger (why it is here). */
import type { CandidateRow } from '../../api';
import { decDms, fmt, raHms } from '../../lib/format';
import { useSelection } from '../../stores/selection';
import { isSkipNote } from '../../lib/ledger';

export function CandidateDetailPanel() {
  const detail = useSelection((s) => s.detail);
  if (!detail) return <section className="panel detail"><div className="placeholder">select a candidate</div></section>;
  const r = detail.row;
  return (
    <section className="panel detail" data-testid="candidate-detail">
      <header className="panel-head">
        <h3>
          Candidate <span className="mono">#{r.id}</span>
        </h3>
        <span className="mono muted">
          {r.plate} src {r.sourceNumber}
        </span>
      </header>
      <dl className="facts mono">
        <dt>α</dt>
        <dd>
          {raHms(r.ra, 3)} <span className="muted">{fmt(r.ra, 6)}°</span>
        </dd>
        <dt>δ</dt>
        <dd>
          {decDms(r.dec, 2)} <span className="muted">{fmt(r.dec, 6)}°</span>
        </dd>
        <dt>x, y</dt>
        <dd>
          {fmt(r.x, 2)}, {fmt(r.y, 2)} px
        </dd>
        <dt>mag</dt>
        <dd>
          {fmt(r.mag, 2)} ± {fmt(r.magErr, 2)}
        </dd>
        <dt>SNR</dt>
        <dd>{fmt(r.snr, 1)}</dd>
        <dt>FWHM</dt>
        <dd>{fmt(r.fwhm, 2)} px</dd>
        <dt>elong</dt>
        <dd>{fmt(r.elongation, 3)}</dd>
        <dt>SPREAD</dt>
        <dd>{fmt(r.spreadModel, 5)}</dd>
        <dt>FLAGS</dt>
        <dd>{r.flags}</dd>
        <dt>blue</dt>
        <dd title="the published method compares with blue sources that pass the filters">
          {detail.plates.blue === null ? 'no blue plate (red-only run)' : r.nearestBlueArcsec === null ? 'no filtered blue source nearby' : `${fmt(r.nearestBlueArcsec, 1)}″ to nearest filtered`}
        </dd>
        {detail.plates.blue !== null && (
          <>
            <dt>blue det</dt>
            <dd data-testid="blue-detection" title="nearest blue detection of any kind, whether or not it passed the filters">
              <BlueDetectionFacts row={r} />
            </dd>
          </>
        )}
        <dt>edge</dt>
        <dd data-testid="edge-distance">
          {r.edgeDistancePx === null ? '—' : `${fmt(r.edgeDistancePx, 0)} px`}
          {r.ledger.some((e) => e.reason === 'near_edge') && <span className="flag-note"> near edge</span>}
        </dd>
      </dl>
      <h4>Ledger</h4>
      {r.ledger.length === 0 ? (
        <div className="muted small">passed every stage without a note</div>
      ) : (
        <ul className="ledger">
          {r.ledger.map((e, i) => (
            <li key={i} className={e.dropped ? 'dropped' : isSkipNote(e.reason) ? 'skip-note' : 'flagged'}>
              <span className="mono">{e.stage}</span> <b>{e.reason}</b>
              {e.detail ? ` — ${e.detail}` : ''}
              {e.distanceArcsec !== undefined ? ` (${fmt(e.distanceArcsec, 1)}″${e.counterpart ? ` ${e.counterpart}` : ''})` : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The nearest blue detection: where, how bright, and the cuts it failed (why it did not count as the blue counterpart). */
function BlueDetectionFacts({ row }: { row: CandidateRow }) {
  const b = row.nearestBlueDetection;
  if (!b) return <>{row.edgeDistancePx === null ? 'not recorded (run before schema v5)' : 'none within the search radius'}</>;
  return (
    <>
      {fmt(b.distanceArcsec, 1)}″ <span className="muted">#{b.id}</span> SNR {fmt(b.snr, 1)} FWHM {fmt(b.fwhm, 1)} px
      <br />
      {b.failedCuts.length ? <span className="flag-note">failed {b.failedCuts.join(', ')}</span> : <span className="muted">passed every cut</span>}
    </>
  );
}
