import { useErrors } from '../../stores/errors';

/** Errors from the main process with their hint: what happened and what to do. Each can be dismissed; it also goes once its action works. */
export function ErrorBanner() {
  const { errors, dismiss } = useErrors();
  if (!errors.length) return null;
  return (
    <div className="errors" role="alert" data-testid="error-banner">
      {errors.map(({ id, error }) => (
        <div key={id} className="error">
          <div>
            <div className="error-message">{error.message}</div>
            {error.hint && <div className="error-hint">→ {error.hint}</div>}
          </div>
          <button onClick={() => dismiss(id)} aria-label="dismiss" title="dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
