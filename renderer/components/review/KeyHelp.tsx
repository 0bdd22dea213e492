/**
 * The `?` list: every key of the review screen, drawn from the same tables the
 * keys are handled from (REVIEW_LABELS, REVIEW_KEYS), so it cannot go stale.
 * Closed by `?` again, Escape or a click.
 */
import { useEffect } from 'react';
import { REVIEW_LABELS } from '../../../electron/store/labels';
import { REVIEW_KEYS } from './useReviewKeys';

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
          <table>
            <caption>Flag the candidate</caption>
            <tbody>
              {REVIEW_LABELS.map((l) => (
                <tr key={l.label}>
                  <td><kbd>{l.key}</kbd></td>
                  <td title={l.description}>{l.title}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <caption>Move and look</caption>
            <tbody>
              {REVIEW_KEYS.map((k) => (
                <tr key={k.does}>
                  <td>{k.keys.map((key) => <kbd key={key}>{key}</kbd>)}</td>
                  <td>{k.does}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted small">Keys act on the selected candidate, not while you type in a text field. Esc closes this list.</p>
      </section>
    </div>
  );
}
