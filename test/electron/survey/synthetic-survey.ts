/**
 * A real survey of synthetic plates for the survey view's tests: one synthetic
 * 1000x400 pair cut (by astropy) into three red plates of 400 px whose fields
 * overlap by 100 px, each with the whole blue plate, plus a truncated red plate
 * that fails; planned, run by the local engine (`vasco run` with SExtractor and
 * PSFEx) and merged into DIR/survey.sqlite by `vasco survey` processes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { astropy } from '../../helpers/python';
import { surveyCli } from './survey-cli';

export const SURVEY_PLATES = ['plate-1', 'plate-2', 'plate-3'];
/** Each plate's first column on the whole synthetic plate, and its width. */
export const PLATE_STARTS = [0, 300, 600];
export const PLATE_WIDTH = 400;
/** The truncated plate's id (its file is "broken red.fits"). */
export const BROKEN_PLATE = 'broken_red';

/**
 * Builds the survey in `tmp`/sv (pairs in `tmp`/pairs) and returns its folder and the synthetic truth
 * (truth.csv of the whole pair); `merge: false` stops after the run. Throws with the command's stderr when
 * a step fails.
 */
export async function buildSyntheticSurvey(tmp: string, opts: { merge?: boolean } = {}): Promise<{ dir: string; truth: string }> {
  const { generatePlatePair } = await import('../../../electron/synth/generate-pair');
  const pair = await generatePlatePair({ outDir: join(tmp, 'whole'), width: 1000, height: 400, seed: 11, transients: 40, defects: 4 });
  const pairs = join(tmp, 'pairs');
  mkdirSync(pairs, { recursive: true });
  astropy(
    `from astropy.io import fits
for i, x0 in enumerate(INPUT['starts']):
    with fits.open(INPUT['red']) as r:
        h = r[0].header.copy()
        h['CRPIX1'] = h['CRPIX1'] - x0
        h['REGION'] = 'XE90%d' % (i + 1)
        fits.PrimaryHDU(r[0].data[:, x0:x0 + INPUT['width']], h).writeto('%s/plate-%d.fits' % (INPUT['out'], i + 1))
    with fits.open(INPUT['blue']) as b:
        b[0].header['REGION'] = 'XO90%d' % (i + 1)
        b.writeto('%s/blue-%d.fits' % (INPUT['out'], i + 1))
print('null')`,
    { red: pair.red, blue: pair.blue, starts: PLATE_STARTS, width: PLATE_WIDTH, out: pairs },
  );
  const bytes = readFileSync(join(pairs, 'plate-3.fits'));
  writeFileSync(join(pairs, 'broken red.fits'), bytes.subarray(0, Math.floor(bytes.length / 5)));
  const lines = ['red,blue', ...SURVEY_PLATES.map((id, i) => `${id}.fits,blue-${i + 1}.fits`), '"broken red.fits",blue-3.fits'];
  writeFileSync(join(pairs, 'pairs.csv'), `${lines.join('\n')}\n`);
  const step = (args: string[], exit: number) => {
    const r = surveyCli(tmp, args);
    if (r.status !== exit) throw new Error(`vasco survey ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  };
  step(['plan', '--out', 'sv', '--pairs', 'pairs/pairs.csv', '--offline', '--tile-size', '0'], 0);
  step(['run', 'sv', '--parallel', '2', '--quiet'], 1); // the broken plate fails
  if (opts.merge !== false) step(['merge', 'sv'], 0);
  return { dir: join(tmp, 'sv'), truth: pair.truth };
}
