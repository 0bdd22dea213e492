import { useEffect, useState } from 'react';
import { decodeFits, type FitsImage } from '../../lib/fits';
import { toUiError, type UiError } from '../../api';

export interface FitsState<T> {
  loading: boolean;
  error: UiError | null;
  images: T | null;
}

/**
 * Fetch something that carries base64 FITS images and decode them. `key`
 * changes when a new fetch is needed; stale answers are dropped.
 */
export function useFitsImages<R, T>(
  key: string | null,
  method: string,
  fetcher: () => Promise<R>,
  decode: (r: R, dec: (b64: string) => Promise<FitsImage>) => Promise<T>,
): FitsState<T> {
  const [state, setState] = useState<FitsState<T>>({ loading: false, error: null, images: null });
  useEffect(() => {
    if (key === null) {
      setState({ loading: false, error: null, images: null });
      return;
    }
    let live = true;
    setState((s) => ({ loading: true, error: null, images: s.images }));
    fetcher()
      .then((r) => decode(r, decodeFits))
      .then(
        (images) => live && setState({ loading: false, error: null, images }),
        (err) => live && setState({ loading: false, error: toUiError(err, method), images: null }),
      );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state;
}
