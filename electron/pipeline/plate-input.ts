/**
 * A plate file as a run takes it in: every check that can refuse it is made
 * here, before any long work (a person should not wait for an extraction to
 * learn that the file was wrong), and each refusal names the file and says
 * what to do.
 *
 *   - the path is a readable file (not a folder);
 *   - a gzip-compressed plate (.fits.gz) is inflated into the run's work
 *     folder, keyed by the compressed file's digest, because SExtractor reads
 *     only plain FITS;
 *   - one 2-D image (a cube's planes would be silently dropped: refused);
 *   - a POSS-I plate of the expected band with a readable DATE-OBS (or none);
 *   - a celestial solution (DSS plate solution or TAN WCS) to place sources;
 *   - pixels that vary (a constant or all-BLANK image has no sources to find);
 *   - the content digest that keys every artefact made from it.
 */
import { createReadStream, createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { UserError } from '../core/errors';
import { assertBand, plateInfoFromHeader } from '../astro/plate-info';
import { chooseSolution } from '../astro/plate-solution';
import { FitsFile, headerDigest, type FitsHdu } from '../fits';
import { formatCeiling } from '../../native-tools/sextractor';
import { claimKeyedFolder, fileSha256 } from './checkpoint';
import type { PlateState } from './state';
import { SourceTable } from './source-table';
import type { Band } from './types';

const FLAG: Record<Band, string> = { red: '--red', blue: '--blue' };

/** The path must name a readable regular file. */
function assertReadableFile(file: string, band: Band): void {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `${FLAG[band]} ${file} does not exist` : `cannot read ${FLAG[band]} ${file}: ${(err as Error).message}`,
      'check the path (quote it when it holds spaces)',
      'bad-input',
    );
  }
  if (st.isDirectory()) throw new UserError(`${FLAG[band]} ${file} is a folder, not a FITS file`, `give the plate's FITS file inside it`, 'bad-input');
  if (!st.isFile()) throw new UserError(`${FLAG[band]} ${file} is not a regular file`, 'give a FITS file (a plate scan or cutout)', 'bad-input');
}

async function isGzip(file: string): Promise<boolean> {
  const head = await new Promise<Buffer>((done, fail) => {
    const chunks: Buffer[] = [];
    createReadStream(file, { start: 0, end: 1 })
      .on('data', (c) => chunks.push(c as Buffer))
      .on('error', (err) => fail(new UserError(`cannot read ${file}: ${err.message}`, 'check the file\'s permissions', 'bad-input')))
      .on('end', () => done(Buffer.concat(chunks)));
  });
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The plain FITS of a gzip-compressed plate: WORK/inputs/BAND/<digest>/plate.fits,
 * inflated once (streaming, so a 400 MB plate never sits in memory) and
 * reused while the folder's key is the compressed file's digest.
 */
async function inflatedCopy(file: string, digest: string, band: Band, workDir: string): Promise<string> {
  const folder = claimKeyedFolder(join(workDir, 'inputs', band), digest, { gzip: file, sha256: digest });
  const dest = join(folder, 'plate.fits');
  if (existsSync(dest)) return dest;
  const partial = `${dest}.partial`;
  try {
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(partial));
  } catch (err) {
    throw new UserError(`${file} is a damaged gzip file: ${(err as Error).message}`, 'download or copy the file again', 'bad-input');
  }
  renameSync(partial, dest);
  return dest;
}

/** Refuse a cube: SExtractor and our tiles would read only its first plane. */
function assertOneImage(hdu: FitsHdu, file: string): void {
  const extra = hdu.naxis.slice(2);
  if (extra.some((n) => n !== 1))
    throw new UserError(
      `${file} holds a ${hdu.naxis.join('x')} data cube (NAXIS=${hdu.naxis.length}), not one 2-D plate image`,
      'give one plane as its own FITS file (e.g. astropy: fits.writeto("plane.fits", data[0], header))',
      'bad-input',
    );
}

/**
 * Refuse an image with fewer than two distinct pixel values: SExtractor would
 * find no source in it and the run would end with an empty, silent answer.
 * Reads strips until two values differ, which on any real plate is its first strip.
 */
async function assertPixelsVary(f: FitsFile, hdu: FitsHdu, file: string): Promise<void> {
  const [nx, ny] = hdu.naxis;
  const strip = Math.max(1, Math.floor((1 << 20) / nx));
  let first: number | null = null;
  for (let y = 1; y <= ny; y += strip) {
    const rows = await f.readImageRect(1, y, nx, Math.min(strip, ny - y + 1), hdu.index);
    for (const v of rows) {
      if (!Number.isFinite(v)) continue;
      if (first === null) first = v;
      else if (v !== first) return;
    }
  }
  throw new UserError(
    first === null
      ? `${file} holds no pixel values: every pixel is BLANK or NaN`
      : `${file} is a constant image (every pixel is ${first}): it has no sources to find`,
    'check that the file is the plate scan itself (a failed download or export can leave an empty image)',
    'bad-input',
  );
}

/** A plate whose pixels cannot be placed on the sky is refused now, not after the extraction. */
function assertSolution(hdu: FitsHdu, file: string): void {
  try {
    chooseSolution(hdu.header);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${file}: ${err.message}`, err.hint, 'no-solution');
    throw err;
  }
}

/**
 * Header, identity, band, solution and pixel checks of one plate, and its
 * content digest. `workDir` (the run's DIR/work) holds the inflated copy of a
 * gzip-compressed plate.
 */
export async function loadPlate(file: string, band: Band, workDir?: string): Promise<PlateState> {
  assertReadableFile(file, band);
  const sha256 = await fileSha256(file);
  let plain = file;
  if (await isGzip(file)) {
    if (!workDir) throw new UserError(`${file} is gzip-compressed`, `unpack it first: gunzip -c '${file}' > plate.fits`, 'bad-input');
    plain = await inflatedCopy(file, sha256, band, workDir);
  }
  let f: FitsFile;
  try {
    f = await FitsFile.open(plain);
  } catch (err) {
    // Name the file the person gave, not our inflated copy.
    if (err instanceof UserError && plain !== file) throw new UserError(err.message.split(plain).join(`${file} (inflated)`), err.hint, err.code);
    throw err;
  }
  try {
    const hdu = f.imageHdu();
    assertOneImage(hdu, file);
    const info = plateInfoFromHeader(hdu.header, file);
    assertBand(info, band);
    assertSolution(hdu, file);
    await assertPixelsVary(f, hdu, file);
    return {
      band,
      file: plain,
      sha256,
      hdu: hdu.index,
      header: hdu.header,
      info,
      headerSha256: headerDigest(hdu),
      saturLevel: formatCeiling(hdu.bitpix, Number(hdu.header.BZERO ?? 0), Number(hdu.header.BSCALE ?? 1)),
      sources: new SourceTable(0),
    };
  } finally {
    await f.close();
  }
}
