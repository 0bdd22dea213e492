/**
 * Review: the candidate table over the inspection panels, the flag column at
 * the right. The pictures grow with the window (inspectSizes); the bars
 * between table and panels and before the flag column can be dragged, and
 * the layout is kept per machine (stores/layout).
 */
import { useEffect, useRef, useState } from 'react';
import { inspectSizes, panelWidths } from '../../lib/inspect-sizes';
import { SIDE_WIDTH, TABLE_MIN_HEIGHT, useLayout } from '../../stores/layout';
import { Splitter } from '../common/Splitter';
import { useElementSize } from '../common/useElementSize';
import { useGallery } from '../../stores/gallery';
import { Gallery } from '../gallery/Gallery';
import { useGalleryKeys } from '../gallery/useGalleryKeys';
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
  const viewRef = useRef<HTMLDivElement>(null);
  const [mainRef, main, mainEl] = useElementSize<HTMLDivElement>();
  const { sideWidth, inspectHeight } = useLayout();
  const gallery = useGallery((s) => s.open);
  useGalleryKeys();
  const SPLITTER = 6;
  // The table keeps TABLE_MIN_HEIGHT; the pictures fit what is left (or the height the person dragged to).
  const room = main.height ? main.height - TABLE_MIN_HEIGHT - SPLITTER : Infinity;
  const bound = Math.min(inspectHeight ?? Infinity, room);
  const sizes = inspectSizes(main.width, Number.isFinite(bound) ? bound : null);
  const widths = panelWidths(sizes);
  // Left alone, the pictures' row is as tall as its panels are (up to the room there is); dragged, as tall as the person made it.
  const rowHeight =
    inspectHeight === null
      ? Number.isFinite(room) ? `fit-content(${room}px)` : 'auto'
      : `${Math.min(inspectHeight, Number.isFinite(room) ? room : inspectHeight)}px`;
  useEffect(() => {
    void useRunDetail.getState().load(runId);
  }, [runId]);

  if (runId === null) {
    return <div className="placeholder big">No run yet: start one under “Plate run”.</div>;
  }
  return (
    <div className="review-view" ref={viewRef} style={{ gridTemplateColumns: `minmax(0, 1fr) ${SPLITTER}px ${sideWidth}px` }}>
      <div className="review-main" ref={mainRef} style={{ gridTemplateRows: gallery ? 'minmax(0, 1fr)' : `minmax(0, 1fr) ${SPLITTER}px ${rowHeight}` }}>
        {gallery ? (
          <Gallery />
        ) : (
          <>
            <div className="table-area">
              <div className="table-toolbar">
                <FilterBar />
                <button onClick={() => useGallery.getState().setOpen(true)} title="a grid of thumbnails to triage (g)">
                  <kbd>g</kbd> Gallery
                </button>
                <button onClick={() => setExporting(true)}>Export…</button>
              </div>
              <CandidateTable />
            </div>
            <Splitter
              direction="row"
              label="Resize the table and the pictures"
              onDrag={(_, y) => {
                const box = mainEl?.getBoundingClientRect();
                if (box) useLayout.getState().setInspectHeight(box.bottom - y - SPLITTER / 2);
              }}
              onReset={() => useLayout.getState().setInspectHeight(null)}
            />
            <div className="inspect" data-testid="inspect">
              <CutoutPanel stampPx={sizes.stamp} width={widths.cutouts} />
              <BlinkPanel canvasPx={sizes.blink} width={widths.blink} />
              <SkyPanel sizePx={sizes.sky} width={widths.sky} />
            </div>
          </>
        )}
      </div>
      <Splitter
        direction="column"
        label="Resize the flag column"
        onDrag={(x) => {
          const box = viewRef.current?.getBoundingClientRect();
          if (box) useLayout.getState().setSideWidth(box.right - x - SPLITTER / 2 - 6);
        }}
        onReset={() => useLayout.getState().setSideWidth(SIDE_WIDTH.default)}
      />
      <aside className="review-side">
        <ReviewPanel />
        <CandidateDetailPanel />
      </aside>
      {exporting && <ExportDialog onClose={() => setExporting(false)} />}
    </div>
  );
}
