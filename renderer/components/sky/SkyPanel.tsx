/**
 * Sky context in Aladin Lite (GPL-3, loaded lazily: only this panel pays for
 * its 2.4 MB). Offline — or by choice — it shows the plate region from
 * skycontext.get, a FITS with a fitted TAN-SIP header (Aladin rejects DSS
 * plate solutions). Online HiPS surveys are offered only when app.info says
 * the workstation is online. Overlays: the run's other candidates and the
 * catalogue counterparts the veto stages found.
 */
import { useEffect, useRef, useState } from 'react';
import { loadSkyContext, SKY_ARCMIN } from '../../stores/image-cache';
import { markDrawn } from '../../lib/draw-marks';
import { base64ToBytes } from '../../lib/fits';
import { strokeReticle } from '../../lib/reticle';
import { useSelection } from '../../stores/selection';
import { useSession } from '../../stores/session';

type Survey = 'plate' | 'P/DSS2/color' | 'P/PanSTARRS/DR1/color-z-zg-g';
const SURVEY_TITLES: Record<Survey, string> = {
  plate: 'POSS-I plate (local)',
  'P/DSS2/color': 'DSS2 colour (online)',
  'P/PanSTARRS/DR1/color-z-zg-g': 'Pan-STARRS DR1 (online)',
};
const SIZE_ARCMIN = SKY_ARCMIN;

/** Aladin custom shape: a red reticle with a gap (source.x/y are canvas pixels). */
function drawReticle(source: { x: number; y: number }, ctx: CanvasRenderingContext2D): void {
  const gap = 9, len = 21, { x, y } = source;
  ctx.save();
  ctx.strokeStyle = '#f43f5e';
  ctx.lineWidth = 2;
  strokeReticle(ctx, x, y, gap, len);
  ctx.restore();
}

export function SkyPanel({ sizePx, width }: { sizePx: number; width: number }) {
  const detail = useSelection((s) => s.detail);
  const selectedId = useSelection((s) => s.id);
  const offline = useSession((s) => s.info?.offline ?? true);
  const [survey, setSurvey] = useState<Survey>('plate');
  const [status, setStatus] = useState<{ text: string; error?: string; hint?: string }>({ text: '' });
  const [counts, setCounts] = useState<{ candidates: number; counterparts: number } | null>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const candidateId = detail?.row.id ?? null;
  const effective: Survey = offline ? 'plate' : survey;

  // One Aladin view for the panel's life: a new candidate changes its image, centre and overlays
  // (building a view, WebGL context and all, is what made next/previous slow).
  const viewRef = useRef<SkyView | null>(null);
  useEffect(
    () => () => {
      viewRef.current?.dispose();
      viewRef.current = null;
    },
    [],
  );

  useEffect(() => {
    const host = hostRef.current;
    if (candidateId === null || !host || !detail) return;
    let live = true;
    setStatus({ text: 'loading sky context…' });
    (async () => {
      const [{ default: A }, ctx] = await Promise.all([import('aladin-lite'), loadSkyContext(candidateId)]);
      await A.init;
      if (!live) return;
      if (viewRef.current?.survey !== effective || viewRef.current.host !== host) {
        viewRef.current?.dispose();
        viewRef.current = createSkyView(A, host, effective);
      }
      viewRef.current.show(A, detail.row, ctx);
      setCounts({ candidates: ctx.overlays.candidates.length, counterparts: ctx.overlays.counterparts.length });
      setStatus({ text: '' });
      markDrawn('sky', candidateId);
    })().catch((err: unknown) => {
      if (!live) return;
      const e = err as { message?: string; hint?: string };
      setStatus({ text: '', error: e?.message ?? String(err), hint: e?.hint });
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [candidateId, effective]);

  // Only with no candidate at all: while the next one's detail loads, the panel (and its Aladin view) stays.
  if (selectedId === null) return <section className="panel sky" style={{ width }}><div className="placeholder">select a candidate</div></section>;
  return (
    <section className="panel sky" data-testid="sky-panel" style={{ width }}>
      <header className="panel-head">
        <h3>Sky context</h3>
        <select aria-label="Sky survey" value={effective} disabled={offline} onChange={(e) => setSurvey(e.target.value as Survey)}>
          {(Object.keys(SURVEY_TITLES) as Survey[]).map((s) => (
            <option key={s} value={s} disabled={offline && s !== 'plate'}>
              {SURVEY_TITLES[s]}
            </option>
          ))}
        </select>
        <span className="muted small sky-legend" data-testid="sky-legend">
          <span>{SIZE_ARCMIN}′ field</span>
          <span><span className="legend-me">+</span> this candidate</span>
          <span><span className="legend-cand">○</span> other candidates {counts ? counts.candidates - 1 : '—'}</span>
          <span><span className="legend-cp">□</span> catalogue counterparts {counts ? counts.counterparts : '—'}</span>
          {offline && <span>offline: plate only</span>}
        </span>
      </header>
      <div className="sky-frame">
        <div className="sky-host" ref={hostRef} style={{ width: sizePx, height: sizePx }} />
        {/* Over the picture, not under it: a line that comes and goes would move the whole layout at every candidate. */}
        {status.text && <div className="sky-status sky-loading muted">{status.text}</div>}
      </div>
      {status.error && (
        <div className="sky-status error-inline">
          {status.error}
          {status.hint && <div className="error-hint">→ {status.hint}</div>}
        </div>
      )}
    </section>
  );
}

type AladinModule = typeof import('aladin-lite').default;
type SkyContext = Awaited<ReturnType<typeof loadSkyContext>>;

interface SkyView {
  survey: Survey;
  /** The element the view draws in (a remounted panel has a new one). */
  host: HTMLElement;
  show(A: AladinModule, row: { id: number; ra: number; dec: number }, ctx: SkyContext): void;
  dispose(): void;
}

/** An Aladin view in `host` with its three overlays (other candidates, catalogue counterparts, this candidate). */
function createSkyView(A: AladinModule, host: HTMLElement, survey: Survey): SkyView {
  const div = document.createElement('div');
  div.className = 'aladin-host';
  host.replaceChildren(div);
  let blobUrl: string | null = null;
  let aladin: ReturnType<AladinModule['aladin']> | null = null;
  const others = A.catalog({ name: 'candidates', shape: 'circle', sourceSize: 14, color: '#4ade80' });
  // Catalogue counterparts: orange squares named by their catalogue.
  const cps = A.catalog({
    name: 'counterparts',
    shape: 'square',
    sourceSize: 12,
    color: '#f59e0b',
    displayLabel: true,
    labelColumn: 'catalog',
    labelColor: '#f59e0b',
    labelFont: '10px sans-serif',
  });
  // This candidate: four ticks around it, so the object itself stays visible.
  const me = A.catalog({ name: 'this candidate', shape: drawReticle, sourceSize: 40, color: '#f43f5e' });
  return {
    survey,
    host,
    show(A, row, ctx) {
      const previousBlob = blobUrl;
      blobUrl = URL.createObjectURL(new Blob([base64ToBytes(ctx.fitsBase64) as BlobPart], { type: 'application/fits' }));
      const plateLayer = A.image(blobUrl, { name: 'POSS-I plate', imgFormat: 'fits' });
      if (!aladin) {
        aladin = A.aladin(div, {
          survey: survey === 'plate' ? plateLayer : survey,
          target: `${row.ra} ${row.dec}`,
          fov: SIZE_ARCMIN / 60,
          projection: 'TAN',
          cooFrame: 'ICRS',
          log: false,
          samp: false,
          // No HiPS list, so nothing is fetched from CDS to fill the layer menu.
          hipsList: [],
          showLayersControl: false,
          showSimbadPointerControl: false,
          showFullscreenControl: false,
          showProjectionControl: false,
          showSettingsControl: false,
          showShareControl: false,
          showContextMenu: false,
          showCooGridControl: false,
          showStatusBar: false,
          showFrame: true,
          showReticle: false,
          mode: 'dark',
          backgroundColor: 'rgb(11, 13, 16)',
        });
        aladin.addCatalog(others);
        aladin.addCatalog(cps);
        aladin.addCatalog(me);
      } else {
        if (survey === 'plate') aladin.setBaseImageLayer(plateLayer);
        aladin.gotoRaDec(row.ra, row.dec);
        aladin.setFoV(SIZE_ARCMIN / 60);
      }
      if (previousBlob) URL.revokeObjectURL(previousBlob);
      others.removeAll();
      others.addSources(ctx.overlays.candidates.filter((c) => c.id !== row.id).map((c) => A.source(c.ra, c.dec, { id: c.id })));
      cps.removeAll();
      cps.addSources(ctx.overlays.counterparts.map((c) => A.source(c.ra, c.dec, { catalog: c.catalog, id: c.id ?? '' })));
      me.removeAll();
      me.addSources([A.source(row.ra, row.dec, { id: row.id })]);
    },
    dispose() {
      host.replaceChildren();
      if (blobUrl) URL.revokeObjectURL(blobUrl);
    },
  };
}
