/** Review: the candidate table over the inspection panels, the flag column at the right. */
import { useEffect, useState } from 'react';
import { useSession } from '../../stores/session';
import { useRunDetail } from '../../stores/run-detail';
import { CandidateTable } from '../candidate/CandidateTable';
import { FilterBar } from '../candidate/FilterBar';
import { CandidateDetailPanel } from '../candidate/CandidateDetail';
import { CutoutPanel } from '../cutout/CutoutPanel';
import { BlinkPanel } from '../blink/BlinkPanel';
import { SkyPanel } from '../sky/SkyPanel';
import { ReviewPanel } from './ReviewPanel';
import { ExportDialog } from '../export/ExportDialog';

export function ReviewView() {
  const runId = useSession((s) => s.runId);
  const [exporting, setExporting] = useState(false);
  useEffect(() => {
    void useRunDetail.getState().load(runId);
  }, [runId]);

  if (runId === null) {
    return <div className="placeholder big">No run yet: start one under “Plate run”.</div>;
  }
  return (
    <div className="review-view">
      <div className="review-main">
        <div className="table-area">
          <div className="table-toolbar">
            <FilterBar />
            <button onClick={() => setExporting(true)}>Export…</button>
          </div>
          <CandidateTable />
        </div>
        <div className="inspect">
          <CutoutPanel />
          <BlinkPanel />
          <SkyPanel />
        </div>
      </div>
      <aside className="review-side">
        <ReviewPanel />
        <CandidateDetailPanel />
      </aside>
      {exporting && <ExportDialog onClose={() => setExporting(false)} />}
    </div>
  );
}
