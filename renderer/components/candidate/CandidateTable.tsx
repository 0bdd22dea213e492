/**
 * The candidate table: virtualised (only visible rows are in the DOM), pages
 * fetched on demand, sortable headers. The highlighted row is the selected
 * candidate (by id, never by position), scrolled into view wherever a sort
 * or filter puts it.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { PAGE_SIZE, useCandidates } from '../../stores/candidates';
import { useSelection } from '../../stores/selection';
import { useSession } from '../../stores/session';
import { useReview } from '../../stores/review';
import { useSurvey } from '../../stores/survey';
import { gridTemplate, visibleColumns } from './columns';

export const ROW_HEIGHT = 22;

export function CandidateTable() {
  const total = useCandidates((s) => s.total);
  const pages = useCandidates((s) => s.pages);
  const sort = useCandidates((s) => s.sort);
  const selectedId = useSelection((s) => s.id);
  const selectedIndex = useSelection((s) => s.index);
  const reveal = useSelection((s) => s.reveal);
  const blind = useSession((s) => s.blind);
  const pending = useReview((s) => s.pending);
  const surveyOpen = useSurvey((s) => s.overview !== null);
  const cols = visibleColumns(blind, surveyOpen);
  const template = gridTemplate(cols);
  const width = cols.reduce((a, c) => a + c.width, 0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  // The sticky header sits above the rows inside the scroll area: rows start below it, and a row
  // scrolled "into view" must clear it (else the selected row can hide under it or below the edge).
  const [headerHeight, setHeaderHeight] = useState(ROW_HEIGHT);
  useLayoutEffect(() => {
    const h = headerRef.current?.offsetHeight;
    if (h && h !== headerHeight) setHeaderHeight(h);
  });

  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scrollRef.current,
    scrollMargin: headerHeight,
    scrollPaddingStart: headerHeight,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (total) void useCandidates.getState().ensureRange(first, last);
  }, [first, last, total]);

  useEffect(() => {
    if (selectedIndex !== null && total) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, reveal, total, virtualizer]);

  const rowAt = (i: number) => pages[Math.floor(i / PAGE_SIZE)]?.[i % PAGE_SIZE];

  return (
    <div className="table" data-testid="candidate-table">
      <div className="table-scroll" ref={scrollRef}>
        <div className="table-header" ref={headerRef} style={{ gridTemplateColumns: template, width }} role="row">
          {cols.map((c) => (
            <button
              key={c.id}
              role="columnheader"
              className={`th ${c.align === 'left' ? 'left' : 'right'}${c.sort ? ' sortable' : ''}`}
              title={c.title}
              disabled={!c.sort}
              aria-sort={c.sort && sort.column === c.sort ? (sort.desc ? 'descending' : 'ascending') : 'none'}
              onClick={() => c.sort && useCandidates.getState().setSort(c.sort)}
            >
              {c.header}
              {c.sort && sort.column === c.sort ? (sort.desc ? ' ▾' : ' ▴') : ''}
            </button>
          ))}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), width, position: 'relative' }}>
          {items.map((v) => {
            const row = rowAt(v.index);
            const selected = row !== undefined && row.id === selectedId;
            const isPending = row ? pending[row.id] : undefined;
            return (
              <div
                key={v.key}
                role="row"
                data-index={v.index}
                data-candidate-id={row?.id}
                aria-selected={selected}
                className={`tr${selected ? ' selected' : ''}${v.index % 2 ? ' odd' : ''}${row?.myLabel ? ' labelled' : ''}`}
                style={{ gridTemplateColumns: template, height: ROW_HEIGHT, transform: `translateY(${v.start - headerHeight}px)` }}
                onClick={() => void useReview.getState().choose(v.index)}
              >
                {row
                  ? cols.map((c) => (
                      <span key={c.id} className={`td ${c.align === 'left' ? 'left' : 'right'} col-${c.id}`}>
                        {c.id === 'mine' && isPending ? <em className="pending">saving…</em> : c.cell(row)}
                      </span>
                    ))
                  : <span className="td loading">…</span>}
              </div>
            );
          })}
        </div>
        {total === 0 && <div className="empty">No candidates match these filters.</div>}
      </div>
      <div className="table-footer mono">
        {total === null ? 'loading…' : `${total.toLocaleString('en-US')} candidates`}
        {selectedIndex !== null && total ? ` · row ${selectedIndex + 1}` : ''}
      </div>
    </div>
  );
}
