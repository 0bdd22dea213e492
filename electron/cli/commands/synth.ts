/**
 * `vasco synth --out DIR [--preset demo] [--size N|plate] [--seed S]
 *  [--plate XE582 | --tan] [--stars N] [--transients N] [--defects N]
 *  [--galaxies N] [--blue-scale 1.0] [--blue-epoch-days D] [--snr MIN,MAX]
 *  [--headers FILE] [--name NAME] [--distort-header AS] [--spikes]`: a synthetic POSS-I red/blue plate pair
 * with a truth table, for tests, the demo and benchmarks.
 */
import { UserError } from '../../core/errors';
import { generatePlatePair } from '../../synth/generate-pair';
import { SYNTH_PRESETS, type SynthOptions, type SynthPresetName } from '../../synth/options';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'make a synthetic POSS-I red/blue plate pair with a truth table';

const USAGE = `usage: vasco synth --out DIR [options]
${summary}

  --preset NAME        start from a preset: ${Object.keys(SYNTH_PRESETS).join(', ')}
  --size N | plate     square red image of N pixels, or the whole DSS plate (default 1000)
  --width W --height H a rectangular red image
  --seed S             same seed, same bytes (default 1)
  --plate XE582        use that red plate's real DSS header (../shared/data/dss)
  --tan                synthetic TAN headers instead (default)
  --headers FILE       the DSS header JSONL to take --plate from
  --stars N            stars on the red image (default: 5600 per square degree)
  --galaxies N         extended sources on both plates (default 0)
  --transients N       red-only point sources (default 20)
  --snr MIN,MAX        their expected red SNR range (default 15,200)
  --defects N          specks, scratches, dust, each on one plate (default 20)
  --blue-scale ARCSEC  blue pixel scale: 1.7 (default) or 1.0 (15 um scans)
  --blue-epoch-days D  blue exposure this many days after red (default 1)
  --name NAME          file stem: NAME-red.fits, NAME-blue.fits, NAME-truth.csv, NAME-params.json
  --distort-header AS  write the red header's plate solution off the truth by a fixed pattern
                       of this amplitude, arcsec (up to ~3x at the corners; stars placed true)
  --spikes             draw diffraction spikes and halo rings round saturated stars, with
                       knots on them (truth kind "artefact")
`;

function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = numberOption('synth', name, value, NaN);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`vasco synth: --${name} must be a whole number >= 0, got "${value}"`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('synth', argv, {
    out: { type: 'string' },
    preset: { type: 'string' },
    size: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    seed: { type: 'string' },
    plate: { type: 'string' },
    tan: { type: 'boolean', default: false },
    headers: { type: 'string' },
    stars: { type: 'string' },
    galaxies: { type: 'string' },
    transients: { type: 'string' },
    snr: { type: 'string' },
    defects: { type: 'string' },
    'blue-scale': { type: 'string' },
    'blue-epoch-days': { type: 'string' },
    name: { type: 'string' },
    'distort-header': { type: 'string' },
    spikes: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.out) throw new UserError('vasco synth needs --out DIR', 'run `vasco synth --help`');
  if (values.tan && values.plate) throw new UserError('vasco synth: give either --plate XE### or --tan, not both');
  if (values.preset !== undefined && !Object.prototype.hasOwnProperty.call(SYNTH_PRESETS, values.preset))
    throw new UserError(`vasco synth: unknown preset "${values.preset}"`, `use one of: ${Object.keys(SYNTH_PRESETS).join(', ')}`);

  let snr: [number, number] | undefined;
  if (values.snr !== undefined) {
    const parts = values.snr.split(',').map(Number);
    if (parts.length !== 2 || !parts.every((v) => Number.isFinite(v) && v > 0) || parts[1] < parts[0])
      throw new UserError(`vasco synth: --snr must be MIN,MAX (e.g. 15,200), got "${values.snr}"`);
    snr = [parts[0], parts[1]];
  }
  const seed = values.seed === undefined ? undefined : /^-?\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
  const opts: SynthOptions = {
    outDir: values.out,
    preset: values.preset as SynthPresetName | undefined,
    size: values.size === undefined ? undefined : values.size === 'plate' ? 'plate' : intOption('size', values.size),
    width: intOption('width', values.width),
    height: intOption('height', values.height),
    seed,
    plate: values.tan ? 'tan' : values.plate,
    dssHeadersFile: values.headers,
    stars: intOption('stars', values.stars),
    galaxies: intOption('galaxies', values.galaxies),
    transients: intOption('transients', values.transients),
    transientSnr: snr,
    defects: intOption('defects', values.defects),
    blueScaleArcsec: values['blue-scale'] === undefined ? undefined : numberOption('synth', 'blue-scale', values['blue-scale'], 1.7),
    blueEpochOffsetDays: values['blue-epoch-days'] === undefined ? undefined : numberOption('synth', 'blue-epoch-days', values['blue-epoch-days'], 1),
    name: values.name,
    headerDistortionArcsec: values['distort-header'] === undefined ? undefined : numberOption('synth', 'distort-header', values['distort-header'], 0),
    brightStarArtefacts: values.spikes || undefined,
  };

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let lastShown = -1;
  try {
    const files = await generatePlatePair(opts, {
      signal: controller.signal,
      log: values.quiet ? undefined : (line) => process.stderr.write(line + '\n'),
      onProgress: values.quiet
        ? undefined
        : (p) => {
            const pct = Math.floor(p.fraction * 10) * 10;
            if (pct === lastShown && p.fraction < 1) return;
            lastShown = pct;
            process.stderr.write(`${p.stage} ${pct}%${p.etaSeconds !== undefined && p.fraction < 1 ? ` (about ${Math.ceil(p.etaSeconds)} s left)` : ''}\n`);
          },
    });
    process.stdout.write(`${files.red}\n${files.blue}\n${files.truth}\n${files.params}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
