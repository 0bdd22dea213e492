/** Plots of the open run: funnel, SPREAD_MODEL and FWHM histograms with the cuts, candidates on the plate. */
import { useEffect } from 'react';
import { useSession } from '../../stores/session';
import { useRunDetail } from '../../stores/run-detail';
import { useCandidates, PAGE_SIZE } from '../../stores/candidates';
import { useSelection } from '../../stores/selection';
import { Funnel } from './Funnel';
import { Histogram } from './Histogram';
import { PlateScatter } from './PlateScatter';

export function PlotsView() {
  const runId = useSession((s) => s.runId);
  const { detail, histograms } = useRunDetail();
  const pages = useCandidates((s) => s.pages);
  const selectedId = useSelection((s) => s.id);
  useEffect(() => {
    void useRunDetail.getState().load(runId);
  }, [runId]);
  useEffect(() => {
    // The scatter shows the first pages of the current table query.
    void useCandidates.getState().ensureRange(0, 5 * PAGE_SIZE - 1);
  }, [runId]);
  if (runId === null) return <div className="placeholder big">No run yet.</div>;
  const candidates = Object.values(pages).flat();
  return (
    <div className="plots-view">
      <section className="panel">
        <header className="panel-head">
          <h3>Funnel</h3>
          {detail && <span className="muted small mono">{detail.summary.mode}{detail.summary.modeReason ? ` — ${detail.summary.modeReason}` : ''}</span>}
        </header>
        {detail ? <Funnel stages={detail.summary.stages} width={900} /> : <div className="placeholder">loading…</div>}
      </section>
      {histograms && (
        <div className="plots-row">
          <section className="panel">
            <Histogram
              title="SPREAD_MODEL (red sources)"
              unit="SPREAD_MODEL"
              edges={histograms.spreadModel.edges}
              counts={histograms.spreadModel.counts}
              cuts={[{ value: histograms.spreadModel.cut, label: `> ${histograms.spreadModel.cut}` }]}
              keep={[histograms.spreadModel.cut, Infinity]}
            />
          </section>
          <section className="panel">
            <Histogram
              title="FWHM (red sources)"
              unit="px"
              edges={histograms.fwhm.edges}
              counts={histograms.fwhm.counts}
              cuts={[
                { value: histograms.fwhm.min, label: `≥ ${histograms.fwhm.min.toFixed(2)} px` },
                { value: histograms.fwhm.max, label: `≤ ${histograms.fwhm.max.toFixed(2)} px` },
              ]}
              keep={[histograms.fwhm.min, histograms.fwhm.max]}
            />
          </section>
          <section className="panel">
            <PlateScatter
              positions={histograms.positions}
              candidates={candidates}
              selectedId={selectedId}
              onPick={(id) => {
                const i = useCandidates.getState().indexOfId(id);
                if (i !== null) void useSelection.getState().select(i);
              }}
            />
          </section>
        </div>
      )}
    </div>
  );
}
