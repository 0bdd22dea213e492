/**
 * An element's content-box size, kept current with a ResizeObserver. Returns a
 * callback ref: the element may mount after the first render (a view that
 * shows a placeholder first), and a ref object would not say when.
 */
import { useCallback, useEffect, useState } from 'react';

export function useElementSize<T extends HTMLElement>(): [(el: T | null) => void, { width: number; height: number }, T | null] {
  const [el, setEl] = useState<T | null>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const ref = useCallback((node: T | null) => setEl(node), []);
  useEffect(() => {
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      const width = Math.round(entry.contentRect.width);
      const height = Math.round(entry.contentRect.height);
      setSize((s) => (s.width === width && s.height === height ? s : { width, height }));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [el]);
  return [ref, size, el];
}
