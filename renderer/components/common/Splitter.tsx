/**
 * A bar to drag between two panels. It reports the pointer's position; the
 * owner turns it into a size. Double-click goes back to the default. Mouse
 * only: the arrow keys belong to the review.
 */
import { useRef } from 'react';

export function Splitter({ direction, onDrag, onReset, label }: {
  /** 'row': a horizontal bar between panels above and below; 'column': a vertical bar between panels side by side. */
  direction: 'row' | 'column';
  onDrag(clientX: number, clientY: number): void;
  onReset(): void;
  label: string;
}) {
  const dragging = useRef(false);
  return (
    <div
      className={`splitter splitter-${direction}`}
      role="separator"
      aria-orientation={direction === 'row' ? 'horizontal' : 'vertical'}
      aria-label={label}
      title={`${label}: drag to resize, double-click for the default`}
      onPointerDown={(e) => {
        dragging.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
        e.preventDefault();
      }}
      onPointerMove={(e) => dragging.current && onDrag(e.clientX, e.clientY)}
      onPointerUp={(e) => {
        dragging.current = false;
        e.currentTarget.releasePointerCapture(e.pointerId);
      }}
      onDoubleClick={onReset}
    />
  );
}
