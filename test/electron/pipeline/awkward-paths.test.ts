/**
 * Any path a person can type works: plates in "My Plates, 1951 [v2]/red
 * plate.fits" and an --out of the same kind (old code: SExtractor split the
 * image argument at the space and comma, and config values were written
 * unquoted), and a gzip-compressed plate read as it is (old code refused it,
 * suggesting `gunzip -k X.fits`, a command that fails on that name). Each
 * answer must equal the one from plain paths and a plain FITS file, byte for
 * byte. `vasco run` as a real process, 600x600 synthetic pair, 4 tiles.
 */
import { copyFileSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveSharedData, sharedData } from '../../helpers/shared-data';
import { haveSyntheticRunTools, STACK_LINE, syntheticPair, TILED_OPTIONS, vascoRun } from './synthetic-plates';

const DASCH = 'cutouts/dasch-bi05397-same-field-as-XE687.fits.gz';

describe.skipIf(!haveSyntheticRunTools())('vasco run with awkward paths and a gzip-compressed plate', () => {
  let dir: string;
  let pair: { red: string; blue: string };
  let reference: string;
  let awkward: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-paths-'));
    pair = await syntheticPair(join(dir, 'plain'), 6);
    reference = join(dir, 'reference');
    const r = vascoRun(['--red', pair.red, '--blue', pair.blue, '--out', reference, ...TILED_OPTIONS]);
    expect(r.status, r.stderr).toBe(0);
    awkward = join(dir, 'My Plates, 1951 [v2]');
    mkdirSync(awkward);
    copyFileSync(pair.red, join(awkward, 'red plate.fits'));
    copyFileSync(pair.blue, join(awkward, "blue plate (O), it's.fits"));
    await pipeline(createReadStream(pair.red), createGzip(), createWriteStream(join(awkward, 'red plate.fits.gz')));
  }, 600_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  const sameAnswer = (out: string) => {
    for (const f of ['candidates.csv', 'sources.csv']) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(reference, f), 'utf8'));
  };

  it('plates and --out under names with spaces, commas, brackets and quotes', () => {
    const out = join(dir, 'My Runs, 2024 [v2]', 'run 1');
    const r = vascoRun(['--red', join(awkward, 'red plate.fits'), '--blue', join(awkward, "blue plate (O), it's.fits"), '--out', out, ...TILED_OPTIONS]);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.status, r.stderr).toBe(0);
    sameAnswer(out);
  }, 600_000);

  it('a .fits.gz plate is read as it is (inflated once into the work folder)', () => {
    const out = join(dir, 'gz out, [1]');
    const r = vascoRun(['--red', join(awkward, 'red plate.fits.gz'), '--blue', pair.blue, '--out', out, ...TILED_OPTIONS]);
    expect(r.status, r.stderr).toBe(0);
    sameAnswer(out);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.plates.red.file).toBe(join(awkward, 'red plate.fits.gz'));
    // Run again: the same run, nothing inflated or extracted again.
    const again = vascoRun(['--red', join(awkward, 'red plate.fits.gz'), '--blue', pair.blue, '--out', out, ...TILED_OPTIONS]);
    expect(again.stderr).toMatch(/same inputs and parameters as run 1 .*nothing to do/);
  }, 600_000);

  it.skipIf(!haveSharedData(DASCH))('the real DASCH .fits.gz scan is refused as what it is (not POSS-I), not as a gzip file', () => {
    const r = vascoRun(['--red', sharedData(DASCH), '--out', join(dir, 'dasch'), '--offline']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dasch-bi05397.* is not a POSS-I plate/);
    expect(r.stderr).not.toMatch(/gunzip|gzip/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
