/**
 * Choosing a plate or catalogue file for a run: typed (power users, any path
 * the host can read), or picked - with the desktop app's native open-file
 * dialog when the preload offers one, else by browsing the host's data folder
 * (files.list), where each plate shows what its header says ("XE198 red ·
 * POSS-I E · plate 07WS · 1957-12-20").
 */
import { useEffect, useRef, useState } from 'react';
import { call, type UiError } from '../../api';
import { nativeOpenFile, type OpenFileKind } from '../../../electron/api/client';
import type { DataFolderEntry, DataFolderListing } from '../../../electron/api/contract';
import type { CatalogId } from '../../../electron/catalogs/catalogs';

interface PickerProps {
  label: string;
  /** The typed field's accessible name (tests and screen readers). */
  ariaLabel: string;
  kind: OpenFileKind;
  /** Plates: the band wanted; plates of the other band are marked in the listing. */
  band?: 'red' | 'blue';
  value: string;
  onChange: (path: string) => void;
  placeholder?: string;
  disabled?: boolean;
}

/** Choose a file: the native dialog (desktop) or the data-folder browser; resolves with the entry (browser) or path. */
function usePick(kind: OpenFileKind, onPicked: (path: string, entry?: DataFolderEntry) => void) {
  const [browsing, setBrowsing] = useState(false);
  const open = async () => {
    const native = nativeOpenFile();
    if (!native) return setBrowsing(true);
    const path = await native(kind);
    if (path) onPicked(path);
  };
  const browser = browsing ? (
    <DataFolderBrowser
      kind={kind}
      onPick={(e) => {
        setBrowsing(false);
        onPicked(e.path, e);
      }}
      onClose={() => setBrowsing(false)}
    />
  ) : null;
  return { open, browser };
}

/** A path field with a Browse… button, and the picked plate's header summary beneath it. */
export function FilePicker({ label, ariaLabel, kind, band, value, onChange, placeholder, disabled }: PickerProps) {
  const [picked, setPicked] = useState<DataFolderEntry | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const { open, browser } = usePick(kind, (path, entry) => {
    setPicked(entry ?? null);
    onChange(path);
    // Show the file's name, the end of a long path, not the folders it starts with.
    requestAnimationFrame(() => input.current && (input.current.scrollLeft = input.current.scrollWidth));
  });
  const summary = picked && picked.path === value ? picked.plate?.text ?? picked.note : null;
  const wrongBand = picked && picked.path === value && band && picked.plate && picked.plate.band !== band;
  return (
    <>
      <div className="row file-pick">
        <span>{label}</span>
        <input ref={input} aria-label={ariaLabel} className="mono" title={value || undefined} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} />
        <button type="button" disabled={disabled} aria-label={`Browse ${label}`} onClick={() => void open()}>
          Browse…
        </button>
      </div>
      {summary && !disabled && (
        <div className={`file-summary small ${wrongBand || !picked?.plate ? 'warn' : 'muted'}`} data-testid={`${ariaLabel} summary`} title={summary}>
          {summary}
          {wrongBand ? ` - a ${picked!.plate!.band} plate, not ${band}` : ''}
        </div>
      )}
      {browser}
    </>
  );
}

/** Catalogues a run can read from a file (catalogue.localFiles.NAME). */
const OFFLINE_CATALOGUES: CatalogId[] = ['gaia', 'ps1', 'supercosmos', 'allwise', '2mass', 'catwise', 'ukidss', 'usnob'];

/** "add [gaia] file…": picks a catalogue file and appends NAME=PATH to the catalogue list. */
export function CatalogueFileAdder({ value, onChange }: { value: string; onChange: (text: string) => void }) {
  const [name, setName] = useState<CatalogId>('gaia');
  const { open, browser } = usePick('catalogue', (path) => onChange([value.trim(), `${name}=${path}`].filter(Boolean).join(', ')));
  return (
    <div className="row file-pick catalogue-adder">
      <span />
      <select aria-label="Catalogue to add" value={name} onChange={(e) => setName(e.target.value as CatalogId)}>
        {OFFLINE_CATALOGUES.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
      <button type="button" aria-label="Browse for a catalogue file" onClick={() => void open()}>
        add file…
      </button>
      {browser}
    </div>
  );
}

const sizeText = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;

/** The data folder of the host, one folder at a time; only files of the kind asked for are offered. */
function DataFolderBrowser({ kind, onPick, onClose }: { kind: OpenFileKind; onPick: (e: DataFolderEntry) => void; onClose: () => void }) {
  const [dir, setDir] = useState('');
  const [listing, setListing] = useState<DataFolderListing | null>(null);
  const [error, setError] = useState<UiError | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    call('files.list', { dir }).then(
      (l) => live && setListing(l),
      (e: UiError) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [dir]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const shown = listing?.entries.filter((e) => e.kind === 'folder' || e.kind === kind) ?? [];
  const crumbs = listing?.dir ? listing.dir.split('/') : [];
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal file-browser" role="dialog" aria-label="Data folder" onClick={(e) => e.stopPropagation()}>
        <header className="panel-head">
          <h3>{kind === 'fits' ? 'Choose a plate' : 'Choose a catalogue file'}</h3>
        </header>
        <nav className="crumbs mono small" aria-label="Folder">
          <button type="button" className="link" title={listing?.root} onClick={() => setDir('')}>
            data folder
          </button>
          {crumbs.map((c, i) => (
            <span key={i}>
              {' / '}
              <button type="button" className="link" onClick={() => setDir(crumbs.slice(0, i + 1).join('/'))}>
                {c}
              </button>
            </span>
          ))}
        </nav>
        {error && (
          <div className="error-inline small">
            {error.message}
            {error.hint ? ` - ${error.hint}` : ''}
          </div>
        )}
        <div className="file-list" role="list">
          {listing?.parent != null && (
            <button type="button" role="listitem" className="file-row folder" onClick={() => setDir(listing.parent!)}>
              <span className="file-name">..</span>
              <span className="file-info muted">up</span>
            </button>
          )}
          {shown.map((e) => (
            <button
              type="button"
              role="listitem"
              key={e.relPath}
              className={`file-row ${e.kind}`}
              title={e.path}
              onClick={() => (e.kind === 'folder' ? setDir(e.relPath) : onPick(e))}
            >
              <span className="file-name mono">{e.kind === 'folder' ? `${e.name}/` : e.name}</span>
              <span className={`file-info ${e.note ? 'warn' : ''}`}>{e.kind === 'folder' ? '' : e.plate?.text ?? e.note ?? ''}</span>
              <span className="file-size muted mono">{e.kind === 'folder' ? '' : sizeText(e.size)}</span>
              <span className="file-date muted mono">{e.mtime.slice(0, 10)}</span>
            </button>
          ))}
          {listing && shown.length === 0 && <div className="muted small">no {kind === 'fits' ? 'FITS plates' : 'catalogue files'} or folders here</div>}
        </div>
        {listing && listing.hiddenLinks > 0 && (
          <div className="muted small">{listing.hiddenLinks} link(s) leading outside the data folder not shown</div>
        )}
        <div className="modal-actions">
          <span className="muted small grow" title={listing?.root}>
            {listing?.root}
          </span>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
