/**
 * `vasco wcs pix2sky FILE` / `vasco wcs sky2pix FILE`: convert coordinates read
 * on stdin, one "x y" or "ra dec" pair a line, like wcstools xy2sky / sky2xy.
 * Pixels are FITS 1-based; RA and Dec in degrees. Anything after the pair on
 * a line is passed through; blank lines and lines starting with # are copied.
 */
import { createInterface } from 'node:readline';
import { UserError } from '../../core/errors';
import { solutionByKind } from '../../astro/plate-solution';
import { FitsFile, readHeaderJson } from '../../fits';
import type { HeaderValues } from '../../pipeline/types';
import { parseCommandArgs } from '../args';

export const summary = 'convert pixels <-> RA/Dec with a plate\'s DSS or FITS solution (stdin to stdout)';

const HELP = `usage: vasco wcs pix2sky FILE [--solution dss|fits|auto] < "x y" lines
       vasco wcs sky2pix FILE [--solution dss|fits|auto] < "ra dec" lines

FILE is a FITS image (plate scan or cutout) or a JSON header file shaped like a
line of dss1red-plate-headers.jsonl ({"plate": ..., "header": {...}}).
Pixels are FITS 1-based; RA and Dec are degrees (ICRS/J2000 as the plate says).
--solution  dss: the GSSS plate polynomial; fits: the explicit TAN WCS;
            auto (default): the explicit one when present, else DSS.
`;

async function loadHeader(file: string): Promise<HeaderValues> {
  if (/\.json(l)?$/i.test(file)) return readHeaderJson(file);
  const f = await FitsFile.open(file);
  try {
    return f.imageHdu().header;
  } finally {
    await f.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'wcs',
    argv,
    { solution: { type: 'string', default: 'auto' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [direction, file] = positionals;
  if (direction !== 'pix2sky' && direction !== 'sky2pix')
    throw new UserError(`vasco wcs: say pix2sky or sky2pix, got "${direction ?? ''}"`, 'run `vasco wcs --help`');
  if (!file || positionals.length > 2) throw new UserError('vasco wcs: give exactly one FILE (FITS image or JSON header)', 'run `vasco wcs --help`');
  const kind = values.solution;
  if (kind !== 'dss' && kind !== 'fits' && kind !== 'auto')
    throw new UserError(`vasco wcs: --solution must be dss, fits or auto, got "${kind}"`);

  const solution = solutionByKind(await loadHeader(file), kind);
  const convert = direction === 'pix2sky' ? solution.pixToSky.bind(solution) : solution.skyToPix.bind(solution);
  // Degrees to 1e-10 (0.36 uas) and pixels to 1e-6: both far below a milliarcsecond.
  const format = direction === 'pix2sky' ? (v: number) => v.toFixed(10) : (v: number) => v.toFixed(6);

  let lineNo = 0;
  const out: string[] = [];
  const flush = () => {
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  };
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    lineNo++;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      out.push(line);
      continue;
    }
    const [p, q, ...rest] = trimmed.split(/[\s,]+/);
    const a = Number(p), b = Number(q);
    if (q === undefined || !Number.isFinite(a) || !Number.isFinite(b))
      throw new UserError(`vasco wcs: stdin line ${lineNo} "${trimmed}" is not two numbers`, direction === 'pix2sky' ? 'give "x y" pixel pairs' : 'give "ra dec" pairs in degrees');
    const [u, v] = convert(a, b);
    out.push([format(u), format(v), ...rest].join(' '));
    if (out.length >= 4096) flush();
  }
  flush();
  return 0;
}
