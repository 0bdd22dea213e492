import { useState } from 'react';
import { useSession } from '../../stores/session';
import { reported } from '../../stores/errors';

/** Asked once: the name every flag is stored under (remembered in this browser). */
export function ReviewerPrompt() {
  const suggested = useSession((s) => s.info?.reviewer ?? '');
  const [name, setName] = useState(suggested);
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) void reported(useSession.getState().setReviewer(name), 'reviewers.add');
        }}
      >
        <h2>Who is reviewing?</h2>
        <p className="muted">Every flag is stored under this name, with the time and what you saw. It is remembered on this machine.</p>
        <input autoFocus aria-label="Reviewer name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. A. Observer" />
        <div className="modal-actions">
          <button type="submit" className="primary" disabled={!name.trim()}>
            Start reviewing
          </button>
        </div>
      </form>
    </div>
  );
}
