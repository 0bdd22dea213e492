/** Calling the API handlers in-process, as both hosts do, for the API tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { ApiEvent, MethodArgs, MethodName, MethodResult } from '../../../electron/api/contract';
import { dispatch } from '../../../electron/api/dispatch';
import type { Api } from '../../../electron/api/dispatch';

type DoneEvent = Extract<ApiEvent, { event: 'pipeline.done' }>['data'];

/** `call` unwraps the envelope (errors thrown with their fields); `untilDone` waits for a job's done event. */
export function apiHarness(api: () => Api) {
  return {
    async call<M extends MethodName>(m: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
      const env = await dispatch(api().handlers, m, args);
      if ('error' in env) throw Object.assign(new Error(env.error.message), env.error);
      return env.result as MethodResult<M>;
    },
    untilDone(jobId: string): Promise<DoneEvent> {
      return new Promise((resolve) => {
        const off = api().hub.subscribe((e) => {
          if (e.event === 'pipeline.done' && e.data.jobId === jobId) {
            off();
            resolve(e.data);
          }
        });
      });
    },
  };
}

/**
 * The test every run launcher must pass: a run that fails (not a FITS file)
 * ends the job `failed` with what the run command said, naming the file,
 * without a stack trace.
 */
export function itReportsAFailedRun(h: ReturnType<typeof apiHarness>, dir: () => string): void {
  it('a run that fails says what the run command said, without a stack trace', async () => {
    const bad = join(dir(), 'not a plate.fits');
    writeFileSync(bad, 'this is not FITS\n');
    const { jobId } = await h.call('pipeline.start', { red: bad, offline: true, redOnly: true, params: {} });
    const done = await h.untilDone(jobId);
    expect(done.state).toBe('failed');
    expect(done.error).toContain(bad);
    expect(done.error).not.toMatch(/\n\s+at /);
  }, 120_000);
}

/** Poll `fn` every 50 ms until it gives something truthy (a process appearing under /proc, ...); its value. */
export async function until<T>(what: string, fn: () => T | undefined | false, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Angular separation, arcsec, small-angle (the tests' fields are a few arcminutes). */
export const sepArcsec = (a: number[], b: number[]) => Math.hypot((a[0] - b[0]) * Math.cos((a[1] * Math.PI) / 180), a[1] - b[1]) * 3600;

/**
 * An offline Gaia file with a star 2" north of every other candidate (no
 * proper motion: its plate-epoch position is the file's); returns what it wrote.
 */
export function writeGaiaNear(file: string, candidates: { id: number; ra: number; dec: number }[], idBase: number): { id: string; ra: number; dec: number }[] {
  const written: { id: string; ra: number; dec: number }[] = [];
  const rows = ['source_id,ra,dec,pmra,pmdec,ref_epoch,phot_g_mean_mag'];
  candidates.forEach((c, i) => {
    if (i % 2) return;
    const dec = c.dec + 2 / 3600;
    written.push({ id: String(idBase + c.id), ra: c.ra, dec });
    rows.push(`${idBase + c.id},${c.ra},${dec},0,0,2016.0,17.0`);
  });
  writeFileSync(file, rows.join('\n') + '\n');
  return written;
}
