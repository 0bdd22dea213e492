import { useNotices } from '../../stores/notices';

/** The acknowledgement of the reviewer's last actions ("#19 labelled transient"), for a few seconds. */
export function StatusToast() {
  const notices = useNotices((s) => s.notices);
  return (
    <div className="status-toast" role="status" aria-live="polite" data-testid="review-toast">
      {notices.map((n) => (
        <div key={n.id} className="notice">
          <span className="notice-tick" aria-hidden="true">✓</span> {n.text}
        </div>
      ))}
    </div>
  );
}
