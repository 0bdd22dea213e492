/** Plots of the open run: funnel, SPREAD_MODEL and FWHM histograms with the cuts, candidates on the plate. */
import { useEffect } from 'react';
import { useSession } from '../../stores/session';
import { useRunDetail } from '../../stores/run-detail';
import { useCandidates, PAGE_SIZE } from '../../stores/candidates';
import { useSelection } from '../../stores/selection';
import { Funnel } from './Funnel';
import { Histogram } from './Histogram';
import { PlateScatter } from './PlateScatter';
import { useElementSize } from '../common/useElementSize';
import type { RangeColumn } from '../../../electron/store/types';

const fmtEdge = (v: number) => (Math.abs(v) < 0.1 ? v.toFixed(4) : v.toFixed(2));

export function PlotsView() {
  const runId = useSession((s) => s.runId);
  const { detail, histograms } = useRunDetail();
  const pages = useCandidates((s) => s.pages);
  const selectedId = useSelection((s) => s.id);
  const range = useCandidates((s) => s.filter.range);
  // The plots share the window's width: three side by side, as large as it allows.
  const [viewRef, view] = useElementSize<HTMLDivElement>();
  const plotW = Math.max(300, Math.min(900, Math.floor((view.width - 2 * 6 - 3 * 18) / 3)));
  const plotH = Math.round(plotW * 0.55);
  useEffect(() => {
    void useRunDetail.getState().load(runId);
  }, [runId]);
  useEffect(() => {
    // The scatter shows the first pages of the current table query.
    void useCandidates.getState().ensureRange(0, 5 * PAGE_SIZE - 1);
  }, [runId]);
  if (runId === null) return <div className="placeholder big">No run yet.</div>;
  /** A click on a bin: the candidate table, cut to that bin. */
  const listBin = (column: RangeColumn, name: string) => (min: number, max: number) => {
    const label = `${name} ${fmtEdge(min)} … ${fmtEdge(max)}`;
    useCandidates.getState().setFilter({ range: { column, min, max, label } });
    useSession.getState().setView('review');
  };
  const activeBin = (column: RangeColumn): [number, number] | null =>
    range && range.column === column ? [range.min, range.max] : null;
  const candidates = Object.values(pages).flat();
  return (
    <div className="plots-view" ref={viewRef}>
      <section className="panel">
        <header className="panel-head">
          <h3>Funnel</h3>
          {detail && <span className="muted small mono">{detail.summary.mode}{detail.summary.modeReason ? ` — ${detail.summary.modeReason}` : ''}</span>}
        </header>
        {detail ? <Funnel stages={detail.summary.stages} width={Math.max(760, Math.min(1600, view.width - 30))} /> : <div className="placeholder">loading…</div>}
      </section>
      {histograms && (
        <div className="plots-row">
          <section className="panel">
            <Histogram
              title="SPREAD_MODEL (red sources)"
              onBin={listBin('spreadModel', 'SPREAD_MODEL')}
              active={activeBin('spreadModel')}
              width={plotW}
              height={plotH}
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
              width={plotW}
              height={plotH}
              onBin={listBin('fwhm', 'FWHM')}
              active={activeBin('fwhm')}
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
              size={Math.min(plotW, 600)}
              candidates={candidates}
              selectedId={selectedId}
              onPick={(id) => {
                // To the review, on that candidate (wherever the table's query has it).
                void useSelection.getState().selectId(id).then((shown) => shown && useSession.getState().setView('review'));
              }}
            />
          </section>
        </div>
      )}
    </div>
  );
}
