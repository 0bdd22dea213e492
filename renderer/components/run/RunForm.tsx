/** Start a plate run: a POSS-I field, a sky position, or local red/blue FITS files. */
import { useState } from 'react';
import { usePipeline, type StartArgs } from '../../stores/pipeline';
import { PARAMS, changedParams, defaultParams, type ParamSpec, type ParamValue } from './params';
import { CatalogueFileAdder, FilePicker } from './FilePicker';

type Source = 'field' | 'position' | 'files';

export function RunForm() {
  const state = usePipeline((s) => s.state);
  const [source, setSource] = useState<Source>('files');
  const [plate, setPlate] = useState('');
  const [ra, setRa] = useState('');
  const [dec, setDec] = useState('');
  const [sizeArcmin, setSize] = useState('20');
  const [red, setRed] = useState('');
  const [blue, setBlue] = useState('');
  const [offline, setOffline] = useState(true);
  const [redOnly, setRedOnly] = useState(true);
  const [params, setParams] = useState<Record<string, ParamValue>>(defaultParams);
  const [catalogFiles, setCatalogFiles] = useState('');
  /** The published catalogue to audit and score against (catalogue.vasco, `vasco run --vasco`). */
  const [published, setPublished] = useState('');
  const files = parseCatalogFiles(catalogFiles);

  const running = state === 'running';
  const ready =
    (source === 'field' && plate.trim() !== '') ||
    (source === 'position' && ra !== '' && dec !== '' && Number.isFinite(Number(ra)) && Number.isFinite(Number(dec))) ||
    (source === 'files' && red.trim() !== '');
  const outOfLimits = PARAMS.find((p) => p.kind === 'number' && !withinLimits(p, params[p.key] as number));
  const valid = ready && files.ok && !outOfLimits;

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const args: StartArgs = {
      offline,
      redOnly,
      params: { ...changedParams(params), ...(files.ok ? files.params : {}), ...(published.trim() ? { 'catalogue.vasco': published.trim() } : {}) },
    };
    if (source === 'field') args.plate = plate.trim();
    if (source === 'position') Object.assign(args, { ra: Number(ra), dec: Number(dec), sizeArcmin: Number(sizeArcmin) });
    if (source === 'files') Object.assign(args, { red: red.trim(), ...(blue.trim() && !redOnly ? { blue: blue.trim() } : {}) });
    void usePipeline.getState().start(args);
  }

  return (
    // noValidate: the limits are checked here and said in words (the browser's own check would also refuse values off the step grid).
    <form className="panel run-form" onSubmit={submit} data-testid="run-form" noValidate>
      <header className="panel-head">
        <h3>New plate run</h3>
      </header>
      <div className="segmented" role="radiogroup" aria-label="Plate source">
        {(['field', 'position', 'files'] as Source[]).map((s) => (
          <button type="button" key={s} role="radio" aria-checked={source === s} className={source === s ? 'active' : ''} onClick={() => setSource(s)}>
            {s === 'field' ? 'POSS-I field' : s === 'position' ? 'sky position' : 'local FITS'}
          </button>
        ))}
      </div>
      {source === 'field' && (
        <label className="row">
          <span>field / plate</span>
          <input aria-label="Field number" value={plate} onChange={(e) => setPlate(e.target.value)} placeholder="687 or XE687" />
        </label>
      )}
      {source === 'position' && (
        <>
          <label className="row">
            <span>RA (deg)</span>
            <input aria-label="RA" className="mono" value={ra} onChange={(e) => setRa(e.target.value)} placeholder="259.9534" />
          </label>
          <label className="row">
            <span>Dec (deg)</span>
            <input aria-label="Dec" className="mono" value={dec} onChange={(e) => setDec(e.target.value)} placeholder="-6.1475" />
          </label>
          <label className="row">
            <span>size (′)</span>
            <input aria-label="Size" className="mono" value={sizeArcmin} onChange={(e) => setSize(e.target.value)} />
          </label>
        </>
      )}
      {source === 'files' && (
        <>
          <FilePicker label="red FITS" ariaLabel="Red FITS path" kind="fits" band="red" value={red} onChange={setRed} placeholder="/data/dss1red_XE687.fits" />
          <FilePicker
            label="blue FITS"
            ariaLabel="Blue FITS path"
            kind="fits"
            band="blue"
            value={blue}
            disabled={redOnly}
            onChange={setBlue}
            placeholder={redOnly ? 'red-only run' : '/data/dss1blue_XO687.fits'}
          />
        </>
      )}
      <div className="row toggles">
        <label className="toggle">
          <input type="checkbox" checked={offline} onChange={(e) => setOffline(e.target.checked)} /> offline (no network)
        </label>
        <label className="toggle">
          <input type="checkbox" checked={redOnly} onChange={(e) => setRedOnly(e.target.checked)} /> red only
        </label>
      </div>
      <label className="row" title="offline catalogue files for the veto, as NAME=FILE (gaia, ps1, supercosmos, allwise, 2mass, catwise, ukidss, usnob); offline runs veto only against these">
        <span>catalogues</span>
        <input
          aria-label="Catalogue files"
          className="mono"
          value={catalogFiles}
          onChange={(e) => setCatalogFiles(e.target.value)}
          placeholder="gaia=/data/gaia.csv, ps1=/data/ps1.csv"
        />
      </label>
      <CatalogueFileAdder value={catalogFiles} onChange={setCatalogFiles} />
      {!files.ok && <div className="error-inline small">{files.error}</div>}
      <FilePicker label="published" ariaLabel="Published catalogue" kind="catalogue" value={published} onChange={setPublished} placeholder="VASCO's published candidates (--vasco), optional" />
      <table className="params">
        <tbody>
          {PARAMS.map((p) => (
            <tr key={p.key} title={p.help}>
              <td>{p.label}</td>
              <td>
                <ParamField spec={p} value={params[p.key]} onChange={(v) => setParams({ ...params, [p.key]: v })} />
              </td>
              <td className="muted">{p.unit}</td>
              <td className="muted small">{params[p.key] !== p.value ? `default ${String(p.value)}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {outOfLimits && (
        <div className="error-inline small">
          {outOfLimits.label} ({outOfLimits.key}) must be {outOfLimits.max === undefined ? `≥ ${outOfLimits.min}` : `from ${outOfLimits.min} to ${outOfLimits.max}`}
          {outOfLimits.integer ? ', a whole number' : ''}
        </div>
      )}
      <div className="modal-actions">
        <button type="button" onClick={() => setParams(defaultParams())}>
          reference defaults
        </button>
        <button type="submit" className="primary" disabled={!valid || running}>
          {running ? 'running…' : 'Start run'}
        </button>
      </div>
    </form>
  );
}

function withinLimits(p: ParamSpec, v: number): boolean {
  return Number.isFinite(v) && v >= (p.min ?? -Infinity) && v <= (p.max ?? Infinity) && (!p.integer || Number.isInteger(v));
}

/** One parameter's field: a number within its limits, one of its words, or a switch. */
function ParamField({ spec: p, value, onChange }: { spec: ParamSpec; value: ParamValue; onChange: (v: ParamValue) => void }) {
  if (p.kind === 'boolean') return <input type="checkbox" aria-label={p.key} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  if (p.kind === 'choice')
    return (
      <select aria-label={p.key} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {p.choices?.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    );
  return (
    <input
      type="number"
      className="mono"
      aria-label={p.key}
      step={p.step}
      min={p.min}
      max={p.max}
      value={value as number}
      onChange={(e) => onChange(Number(e.target.value))}
    />
  );
}

/** "gaia=/a.csv, ps1=/b.csv" -> catalogue.localFiles.* parameters (the names are checked by pipeline.start). */
export function parseCatalogFiles(text: string): { ok: true; params: Record<string, string> } | { ok: false; error: string } {
  const params: Record<string, string> = {};
  for (const part of text.split(/[,;\n]/).map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, Math.max(0, eq)).trim().toLowerCase();
    const file = part.slice(eq + 1).trim();
    if (eq <= 0 || !/^[a-z0-9]+$/.test(name) || !file) return { ok: false, error: `"${part}" is not NAME=FILE, e.g. gaia=/data/gaia.csv` };
    params[`catalogue.localFiles.${name}`] = file;
  }
  return { ok: true, params };
}
