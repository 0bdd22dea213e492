/**
 * The `?` list: every key of the review screen, drawn from the same tables the
 * keys are handled from (REVIEW_LABELS, REVIEW_KEYS), so it cannot go stale.
 * Closed by `?` again, Escape or a click.
 */
import { useEffect } from 'react';
import { REVIEW_LABELS } from '../../../electron/store/labels';
import { REVIEW_KEYS } from './useReviewKeys';
import { GALLERY_KEYS } from '../gallery/useGalleryKeys';

export function KeyHelp({ onClose }: { onClose(): void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <div className="key-help-backdrop" onClick={onClose}>
      <section className="key-help" role="dialog" aria-label="Keys" data-testid="key-help">
        <h3>Keys</h3>
        <div className="key-help-columns">
          <KeyTable caption="Flag the candidate" rows={REVIEW_LABELS.map((l) => ({ keys: [l.key], does: l.title, title: l.description }))} />
          <KeyTable caption="Move and look" rows={REVIEW_KEYS} />
          <KeyTable caption="Gallery" rows={GALLERY_KEYS} />
        </div>
        <p className="muted small">Keys act on the selected candidate, not while you type in a text field. Esc closes this list.</p>
      </section>
    </div>
  );
}

function KeyTable({ caption, rows }: { caption: string; rows: readonly { keys: string[]; does: string; title?: string }[] }) {
  return (
    <table>
      <caption>{caption}</caption>
      <tbody>
        {rows.map((k) => (
          <tr key={k.does}>
            <td>{k.keys.map((key) => <kbd key={key}>{key}</kbd>)}</td>
            <td title={k.title}>{k.does}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
