/**
 * The gallery: as many candidates as the screen holds, each as red, blue and
 * red-minus-blue thumbnails with its id and label, to triage hundreds in
 * minutes. The
 * focused thumbnail is the selected candidate (the same selection, flags,
 * undo and "advance after flag" as the full view); the page is the one
 * holding it, so moving past the last thumbnail turns the page.
 */
import { useEffect, useRef, useState } from 'react';
import type { Band } from '../../../electron/pipeline/types';
import { call } from '../../api';
import { decodeFits } from '../../lib/fits';
import { differenceFrame } from '../../lib/difference';
import { computeLimits, renderImage } from '../../lib/stretch';
import { useCandidates } from '../../stores/candidates';
import { useGallery } from '../../stores/gallery';
import { useReview } from '../../stores/review';
import { useSelection } from '../../stores/selection';
import { useElementSize } from '../common/useElementSize';

const THUMB = 72;
const CUTOUT_PX = 32;
/** The difference thumbnail's field: about a 32 px cutout of a POSS-I scan (1.7"/px). */
const DIFF_ARCSEC = 56;
const GAP = 6;
const CELL_W = 3 * THUMB + 4 * 4;
const CELL_H = THUMB + 26;

/** What a thumbnail shows: a band's cutout, or red minus blue scaled to red on the blink's common grid (lib/difference). */
type ThumbKind = Band | 'diff';
type Pixels = { data: ArrayLike<number>; width: number; height: number };

async function loadThumbnail(candidateId: number, kind: ThumbKind): Promise<Pixels> {
  if (kind !== 'diff') return decodeFits((await call('cutout.get', { candidateId, band: kind, sizePx: CUTOUT_PX })).fitsBase64);
  const r = await call('blink.get', { candidateId, sizeArcsec: DIFF_ARCSEC });
  if (!r.blue) throw new Error('no blue plate');
  const [red, blue] = await Promise.all([decodeFits(r.red), decodeFits(r.blue)]);
  return { data: differenceFrame(red.data, blue.data).data, width: red.width, height: red.height };
}

/** Thumbnails by candidate and kind; a few pages' worth, oldest dropped first. */
const thumbs = new Map<string, Promise<Pixels>>();
function thumbnail(candidateId: number, kind: ThumbKind): Promise<Pixels> {
  const key = `${candidateId}:${kind}`;
  let p = thumbs.get(key);
  if (!p) {
    p = loadThumbnail(candidateId, kind);
    p.catch(() => thumbs.delete(key));
    thumbs.set(key, p);
    while (thumbs.size > 900) thumbs.delete(thumbs.keys().next().value!);
  }
  return p;
}

function Thumb({ candidateId, band }: { candidateId: number; band: ThumbKind }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<'loading' | 'shown' | 'none'>('loading');
  useEffect(() => {
    let live = true;
    setState('loading');
    thumbnail(candidateId, band).then(
      (img) => {
        const canvas = ref.current;
        const ctx = canvas?.getContext('2d');
        if (!live || !canvas || !ctx) return;
        canvas.width = img.width;
        canvas.height = img.height;
        const limits = computeLimits(img.data, 'zscale');
        ctx.putImageData(new ImageData(renderImage(img.data, img.width, img.height, limits, 'asinh') as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
        setState('shown');
      },
      () => live && setState('none'),
    );
    return () => {
      live = false;
    };
  }, [candidateId, band]);
  return (
    <div className={`gallery-thumb ${band}`} style={{ width: THUMB, height: THUMB }}>
      <canvas ref={ref} data-testid={`thumb-${band}`} style={{ width: THUMB, height: THUMB, visibility: state === 'shown' ? 'visible' : 'hidden' }} />
      {state === 'shown' && (
        // Four ticks around the centre, where the candidate is, leaving the object itself clear.
        <svg className="gallery-reticle" viewBox="0 0 100 100" aria-hidden>
          <path d="M50 30V40M50 60V70M30 50H40M60 50H70" />
        </svg>
      )}
      {state === 'none' && <span className="gallery-thumb-note">{band === 'diff' ? 'no difference' : `no ${band}`}</span>}
    </div>
  );
}

export function Gallery() {
  const [ref, size] = useElementSize<HTMLDivElement>();
  const total = useCandidates((s) => s.total) ?? 0;
  useCandidates((s) => s.pages);
  const index = useSelection((s) => s.index) ?? 0;
  const selectedId = useSelection((s) => s.id);
  const columns = Math.max(1, Math.floor((size.width + GAP) / (CELL_W + GAP)));
  const rows = Math.max(1, Math.floor((size.height + GAP) / (CELL_H + GAP)));
  const perPage = columns * rows;
  const start = Math.floor(index / perPage) * perPage;
  const end = Math.min(total, start + perPage) - 1;

  useEffect(() => useGallery.getState().setColumns(columns), [columns]);
  useEffect(() => {
    if (end >= start) void useCandidates.getState().ensureRange(start, end);
  }, [start, end]);

  const cells = [];
  for (let i = start; i <= end; i++) {
    const row = useCandidates.getState().rowAt(i);
    const label = row?.myLabel ?? row?.consensus ?? null;
    cells.push(
      <button
        key={row?.id ?? `i${i}`}
        className={row && row.id === selectedId ? 'gallery-cell focused' : 'gallery-cell'}
        data-candidate-id={row?.id}
        data-index={i}
        style={{ width: CELL_W, height: CELL_H }}
        onClick={() => void useReview.getState().choose(i)}
        onDoubleClick={() => useGallery.getState().setOpen(false)}
        title="click to focus, double-click (or Enter) for the full view"
      >
        {row ? (
          <>
            <span className="gallery-thumbs">
              <Thumb candidateId={row.id} band="red" />
              <Thumb candidateId={row.id} band="blue" />
              <Thumb candidateId={row.id} band="diff" />
            </span>
            <span className="gallery-caption mono">
              <span>#{row.id}</span>
              <span className={label ? 'gallery-label' : 'gallery-label muted'}>{label ?? 'unlabelled'}</span>
            </span>
          </>
        ) : (
          <span className="muted">…</span>
        )}
      </button>,
    );
  }

  return (
    <section className="panel gallery" data-testid="gallery">
      <header className="panel-head">
        <h3>Gallery</h3>
        <span className="mono muted">
          {total ? `${start + 1}–${end + 1} of ${total}` : 'no candidates'} · page {Math.floor(start / perPage) + 1} of {Math.max(1, Math.ceil(total / perPage))}
        </span>
        <span className="spacer" />
        <span className="muted small">
          <span className="band-tag red">RED</span> <span className="band-tag blue">BLUE</span> <span className="band-tag diff">R − B</span> · arrows move · digits flag · <kbd>u</kbd> undo · <kbd>Enter</kbd> full view ·{' '}
          <kbd>g</kbd> table
        </span>
        <button onClick={() => useGallery.getState().setOpen(false)}>Back to the table</button>
      </header>
      <div className="gallery-grid" ref={ref} style={{ gap: GAP }}>
        {cells}
      </div>
    </section>
  );
}
