/**
 * `vasco catalog-dir build DIR --catalog ID=FILE ...`: local catalogue mirrors cut
 * into HEALPix tiles (electron/catalogs/catalog-dir.ts), which `vasco run
 * --catalog-dir DIR` (and a survey planned with it) reads instead of VizieR.
 */
import { UserError } from '../../core/errors';
import { DEFAULT_ORDER } from '../../catalogs/catalog-dir';
import { buildCatalogDir } from '../../catalogs/catalog-dir-build';
import { parseCatalogFileArgs } from '../../catalogs/local-files';
import { CATALOG_IDS, type CatalogId } from '../../catalogs/catalogs';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'local catalogue mirrors as HEALPix tiles, for vasco run --catalog-dir';

const USAGE = `usage: vasco catalog-dir build DIR --catalog ID=FILE [--catalog ID=FILE ...] [--order N]

 Cuts each catalogue file (CSV, read in pieces so it may exceed memory; VOTable or FITS table) into
 DIR/<ID>/hpx<N>/<pixel>.csv by the HEALPix NESTED pixel of each row's ICRS RA/Dec, with
 DIR/<ID>/manifest.json (order, columns, rows per tile, source). A run given --catalog-dir DIR reads only
 the tiles under its plate, for the catalogues DIR holds; the others still come from the network.
  --catalog ID=FILE  ID one of ${CATALOG_IDS.join(', ')}; repeatable
  --order N          HEALPix order (default ${DEFAULT_ORDER}: pixels of about 0.9 deg, about 100 under a POSS-I plate)
`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE);
    return sub ? 0 : 2;
  }
  if (sub !== 'build') throw new UserError(`vasco catalog-dir: unknown subcommand "${sub}"`, 'use: vasco catalog-dir build DIR --catalog ID=FILE');
  const { values, positionals } = parseCommandArgs(
    'catalog-dir build',
    rest,
    { catalog: { type: 'string', multiple: true }, order: { type: 'string' }, help: { type: 'boolean', default: false } },
    true,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UserError('vasco catalog-dir build needs one folder: vasco catalog-dir build DIR --catalog ID=FILE', 'run `vasco catalog-dir --help`');
  const files = parseCatalogFileArgs(values.catalog ?? []);
  if (!Object.keys(files).length) throw new UserError('vasco catalog-dir build needs at least one --catalog ID=FILE', `e.g. --catalog gaia=gaia.csv (ids: ${CATALOG_IDS.join(', ')})`);
  const order = numberOption('catalog-dir build', 'order', values.order, DEFAULT_ORDER);
  for (const [id, file] of Object.entries(files) as [CatalogId, string][]) {
    const r = await buildCatalogDir(positionals[0], id, file, { order, log: (line) => process.stderr.write(`${line}\n`) });
    process.stderr.write(`${id}: ${r.rows} rows in ${r.tiles} tiles under ${r.dir}${r.skipped ? ` (${r.skipped} rows without a position left out)` : ''}\n`);
  }
  return 0;
}
