/**
 * Fetching and decoding the FITS images a panel shows, through the one image
 * cache (stores/image-cache.ts), so a prefetched answer draws at once.
 */
import { useEffect, useState } from 'react';
import { toUiError, type UiError } from '../../api';
import { decodeFits, type FitsImage } from '../../lib/fits';
import { cached, cachedValue } from '../../stores/image-cache';

export interface FitsState<T> {
  loading: boolean;
  error: UiError | null;
  images: T | null;
}

/**
 * Fetch something that carries base64 FITS images and decode them. `key`
 * changes when a new fetch is needed; stale answers are dropped; answers are
 * cached by method and key.
 */
export function useFitsImages<R, T>(
  key: string | null,
  method: string,
  fetcher: () => Promise<R>,
  decode: (r: R, dec: (b64: string) => Promise<FitsImage>) => Promise<T>,
): FitsState<T> {
  const [state, setState] = useState<FitsState<T> & { key: string | null }>({ key: null, loading: false, error: null, images: null });
  useEffect(() => {
    if (key === null) {
      setState({ key, loading: false, error: null, images: null });
      return;
    }
    let live = true;
    if (cachedValue(method, key) === undefined) setState((s) => ({ key: s.key, loading: true, error: null, images: s.images }));
    cached(method, key, () => fetcher().then((r) => decode(r, decodeFits))).then(
      (images) => live && setState({ key, loading: false, error: null, images }),
      (err) => live && setState({ key, loading: false, error: toUiError(err, method), images: null }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  // An answer already in memory is shown at once, without waiting for the effect.
  const ready = key !== null && state.key !== key ? cachedValue<T>(method, key) : undefined;
  return ready !== undefined ? { loading: false, error: null, images: ready } : state;
}
