/**
 * A slim bar over the review screen: the SAMP connection (which tools are on
 * the hub), and buttons to hand the candidate table (key T), the cutouts (C)
 * and the position (A) to TOPCAT, DS9 and Aladin; the keys are review keys
 * (REVIEW_KEYS, listed by `?`). With no hub it says what to start.
 */
import { useEffect } from 'react';
import { linkSamp, useSamp } from './useSamp';
import './samp.css';

export function SampBar() {
  const { status, busy, note, follow, scope } = useSamp();
  const samp = useSamp.getState();

  useEffect(() => linkSamp(), []);

  const connected = !!status?.connected;
  const peers = status?.peers ?? [];
  return (
    <div className="samp-bar" data-testid="samp-bar">
      <span className={connected ? 'samp-dot on' : 'samp-dot'} aria-hidden="true" />
      <span className="samp-status" data-testid="samp-status" title={status?.hub ?? 'SAMP: the hub TOPCAT, DS9 and Aladin share'}>
        {connected ? `SAMP: ${peers.length ? peers.map((p) => p.name).join(', ') : 'no other tools on the hub'}` : 'SAMP: not connected'}
      </span>
      {connected ? (
        <button onClick={() => void samp.disconnect()} disabled={!!busy}>Disconnect</button>
      ) : (
        <button onClick={() => void samp.connect()} disabled={!!busy}>Connect</button>
      )}
      <select aria-label="Table to send" value={scope} onChange={(e) => samp.setScope(e.target.value as 'all' | 'vetted')}>
        <option value="all">all candidates</option>
        <option value="vetted">vetted</option>
      </select>
      <button onClick={() => void samp.sendTable()} disabled={!!busy} title="send the candidate table to TOPCAT and other table viewers (key T)">
        Send table <kbd>T</kbd>
      </button>
      <button onClick={() => void samp.sendCutouts()} disabled={!!busy} title="send this candidate's red and blue cutouts to DS9 or Aladin (key C)">
        Send cutouts <kbd>C</kbd>
      </button>
      <button onClick={() => void samp.pointAt()} disabled={!!busy} title="point Aladin, DS9 or TOPCAT's sky plot at this candidate (key A)">
        Point at <kbd>A</kbd>
      </button>
      <label className="toggle" title="highlight the selected candidate's row in TOPCAT as you move">
        <input type="checkbox" checked={follow} onChange={(e) => samp.setFollow(e.target.checked)} aria-label="Follow selection in TOPCAT" />
        follow
      </label>
      <span className={note?.error ? 'samp-note error' : 'samp-note'} data-testid="samp-note" role="status">
        {busy ? 'working…' : note ? note.text : ''}
        {!busy && note?.hint ? <span className="samp-hint"> — {note.hint}</span> : null}
      </span>
    </div>
  );
}
