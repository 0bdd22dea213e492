/**
 * `vasco match LEFT.csv RIGHT.csv --radius-arcsec R --out PAIRS.csv [--best]`:
 * every pair within R (like STILTS tmatch2 find=all), or with --best only the
 * nearest right row for each left row. Output: both rows' columns (names that
 * clash get _1/_2 like STILTS) and separation_arcsec.
 */
import { writeFileSync } from 'node:fs';
import { findColumn, formatCsv } from '../../core/csv';
import { UserError } from '../../core/errors';
import { readCsvColumns, type NumbersOptions } from '../../match/csv-bytes';
import { matchAll, matchNearest } from '../../match/sky-match';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'cross-match two CSV tables on the sky (ra, dec in degrees)';

const RA_NAMES = ['ra', 'ra_icrs', 'raj2000', 'radeg', 'mnras_ra', 'alpha_j2000'];
const DEC_NAMES = ['dec', 'de_icrs', 'dej2000', 'dedeg', 'decdeg', 'mnras_dec', 'delta_j2000'];

/**
 * A table's positions, read fast: 16-17 digit numbers to within an ulp or two
 * (exactPositions reads the rows that matter again, exactly).
 */
function positions(file: string) {
  const table = readCsvColumns(file);
  const ra = findColumn(table.header, RA_NAMES);
  const dec = findColumn(table.header, DEC_NAMES);
  if (ra < 0 || dec < 0) {
    throw new UserError(`${file}: no ra/dec columns (header: ${table.header.join(', ')})`, 'name the columns ra and dec, in degrees');
  }
  const raDec = (opts: NumbersOptions) => (ra < dec ? table.numbersOf([ra, dec], opts) : table.numbersOf([dec, ra], opts).reverse());
  const [raValues, decValues] = raDec({ exact: false });
  for (let i = 0; i < table.length; i++) {
    if (!Number.isFinite(raValues[i]) || !Number.isFinite(decValues[i]) || Math.abs(decValues[i]) > 90) {
      const row = table.row(i);
      throw new UserError(`${file}: row ${i + 1} has no valid position (ra="${row[ra] ?? ''}", dec="${row[dec] ?? ''}")`, 'fix or remove that row');
    }
  }
  const exactPositions = (rows: Int32Array) => {
    const [r, d] = raDec({ rows });
    // a declination a hair above 90 read as 90 in the fast pass
    const bad = d.findIndex((v) => Math.abs(v) > 90);
    if (bad >= 0) throw new UserError(`${file}: row ${rows[bad] + 1} has no valid position (dec ${d[bad]})`, 'fix or remove that row');
    return { ra: r, dec: d };
  };
  return { table, points: { ra: raValues, dec: decValues }, exactPositions };
}

/** Widening of the fast pass: far more than the ~1e-9" an ulp of a position can move a separation. */
const SLACK_ARCSEC = 1e-6;

/** Sorted distinct values. */
const distinct = (xs: Int32Array) => Int32Array.from(new Set(xs)).sort();

/**
 * Pairs within `radius` as matching the exactly read positions gives them:
 * first on the fast positions a hair wider (every true pair is among those),
 * then exactly on the rows those pairs involve. The rows keep their order, so
 * ties and the output order are those of one exact match.
 */
function matchExactly(left: ReturnType<typeof positions>, right: ReturnType<typeof positions>, radius: number, best: boolean): [number, number, number][] {
  const near = matchAll(left.points, right.points, radius + SLACK_ARCSEC);
  const ls = distinct(near.left);
  const rs = distinct(near.right);
  const l = left.exactPositions(ls);
  const r = right.exactPositions(rs);
  const pairs: [number, number, number][] = [];
  if (best) {
    const m = matchNearest(l, r, radius);
    m.right.forEach((j, i) => j >= 0 && pairs.push([ls[i], rs[j], m.separationArcsec[i]]));
  } else {
    const m = matchAll(l, r, radius);
    m.left.forEach((i, k) => pairs.push([ls[i], rs[m.right[k]], m.separationArcsec[k]]));
  }
  return pairs;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'match',
    argv,
    {
      'radius-arcsec': { type: 'string' },
      out: { type: 'string' },
      best: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(`usage: vasco match LEFT.csv RIGHT.csv --radius-arcsec R --out PAIRS.csv [--best]\n${summary}\n`);
    return 0;
  }
  if (positionals.length !== 2) throw new UserError('vasco match needs two input tables, LEFT.csv and RIGHT.csv');
  if (!values.out) throw new UserError('vasco match needs --out PAIRS.csv');
  const radius = numberOption('match', 'radius-arcsec', values['radius-arcsec'], NaN);
  if (!(radius > 0)) throw new UserError('vasco match needs --radius-arcsec R (a positive number of arcseconds)');

  const left = positions(positionals[0]);
  const right = positions(positionals[1]);
  const pairs = matchExactly(left, right, radius, values.best);
  const clash = new Set(left.table.header.filter((h) => right.table.header.includes(h)));
  const header = [
    ...left.table.header.map((h) => (clash.has(h) ? `${h}_1` : h)),
    ...right.table.header.map((h) => (clash.has(h) ? `${h}_2` : h)),
    'separation_arcsec',
  ];
  const rows = pairs.map(([l, r, s]) => [...left.table.row(l), ...right.table.row(r), s]);
  writeFileSync(values.out, formatCsv(header, rows));
  process.stderr.write(`vasco match: ${pairs.length} pairs within ${radius}" (${left.table.length} x ${right.table.length} rows) -> ${values.out}\n`);
  return 0;
}
