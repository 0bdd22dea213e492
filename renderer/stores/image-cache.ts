/**
 * The images the review panels show, fetched and decoded once: a candidate's
 * cutouts, blink frames and sky context by method and key, and the
 * neighbours of the selected candidate fetched ahead (prefetchCandidate), so
 * next/previous draws from memory. The panels read it through useFitsImages
 * (components/cutout/useFits.ts); the selection store prefetches.
 */
import type { Band } from '../../electron/pipeline/types';
import { call, type MethodResult } from '../api';
import { decodeFits, type FitsImage } from '../lib/fits';

interface Entry {
  promise: Promise<unknown>;
  /** Set once the promise has resolved, so a cached answer is drawn in the same render. */
  value?: unknown;
}

/** Answers by `method:key`, oldest first (a Map keeps insertion order); failures are not kept. */
const cache = new Map<string, Entry>();
const CACHE_ENTRIES = 96;

/** The cached (or new) answer for `method:key`. */
export function cached<T>(method: string, key: string, load: () => Promise<T>): Promise<T> {
  const id = `${method}:${key}`;
  const hit = cache.get(id);
  if (hit) {
    cache.delete(id);
    cache.set(id, hit);
    return hit.promise as Promise<T>;
  }
  const entry: Entry = { promise: load() };
  entry.promise.then(
    (v) => (entry.value = v),
    () => cache.get(id) === entry && cache.delete(id),
  );
  cache.set(id, entry);
  while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return entry.promise as Promise<T>;
}

export function cachedValue<T>(method: string, key: string): T | undefined {
  return cache.get(`${method}:${key}`)?.value as T | undefined;
}

// ---- what the review panels ask for (one definition, used by the panels and the prefetch)

export const BLINK_ARCSEC = 120;
export const SKY_ARCMIN = 6;

export type CutoutImages = { img: FitsImage; cx: number; cy: number };
export type BlinkImages = { red: FitsImage; blue: FitsImage | null };

export const cutoutRequest = (candidateId: number, band: Band, sizePx: number) => ({
  key: `${candidateId}:${band}:${sizePx}`,
  method: 'cutout.get',
  fetcher: () => call('cutout.get', { candidateId, band, sizePx }),
  decode: async (r: MethodResult<'cutout.get'>, dec: (b64: string) => Promise<FitsImage>): Promise<CutoutImages> => ({
    img: await dec(r.fitsBase64),
    cx: r.centerX,
    cy: r.centerY,
  }),
});

export const blinkRequest = (candidateId: number) => ({
  key: `${candidateId}`,
  method: 'blink.get',
  fetcher: () => call('blink.get', { candidateId, sizeArcsec: BLINK_ARCSEC }),
  decode: async (r: MethodResult<'blink.get'>, dec: (b64: string) => Promise<FitsImage>): Promise<BlinkImages> => ({
    red: await dec(r.red),
    blue: r.blue ? await dec(r.blue) : null,
  }),
});

/** The sky panel's context image and overlays (cached like the images). */
export function loadSkyContext(candidateId: number): Promise<MethodResult<'skycontext.get'>> {
  return cached('skycontext.get', `${candidateId}`, () => call('skycontext.get', { candidateId, sizeArcmin: SKY_ARCMIN }));
}

function prefetch<R, T>(req: { key: string; method: string; fetcher: () => Promise<R>; decode: (r: R, dec: (b64: string) => Promise<FitsImage>) => Promise<T> }): Promise<unknown> {
  return cached(req.method, req.key, () => req.fetcher().then((r) => req.decode(r, decodeFits))).catch(() => undefined);
}

/** Fetch a candidate's cutouts, blink frames and sky context ahead of its selection (errors are left for the panels to show). */
export async function prefetchCandidate(candidateId: number, sizePx: number, withBlue: boolean): Promise<void> {
  await Promise.all([
    prefetch(cutoutRequest(candidateId, 'red', sizePx)),
    withBlue ? prefetch(cutoutRequest(candidateId, 'blue', sizePx)) : null,
    prefetch(blinkRequest(candidateId)),
    loadSkyContext(candidateId).catch(() => undefined),
  ]);
}
