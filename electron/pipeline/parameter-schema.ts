/**
 * The run parameters a person sets, each described once: dotted name, `vasco
 * run` flag, type, default, limits or choices, unit and the one-line text
 * `vasco run --help` prints. From this list come the CLI flags and their help,
 * the API's validation of pipeline.start parameters (run-params.ts), the
 * pipeline's defaults (DEFAULT_FILTERS, DEFAULT_RED_BLUE, DEFAULT_CATALOGUE,
 * DEFAULT_EXTRACT) and the run form's fields. Pure (zod only): the renderer
 * bundles it.
 */
import { z } from 'zod';

interface Common {
  /** Dotted path into the run options: "filters.snrMin". */
  key: string;
  /** `vasco run --FLAG`. */
  flag: string;
  /** Help text after the flag; may run on over "\n" lines. */
  description: string;
  /** Said after the default in the help: "published -0.002". */
  note?: string;
  /** The run form's label. */
  label: string;
  unit: string;
}
export interface NumberParameter extends Common {
  kind: 'number';
  default: number;
  min: number;
  /** No upper limit when absent. */
  max?: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** Placeholder after the flag in the help: X, PX, AS, DEG. */
  metavar: string;
  /** Step of the form's number field. */
  step: number;
}
export interface ChoiceParameter extends Common {
  kind: 'choice';
  default: string;
  choices: readonly string[];
  metavar: string;
}
export interface BooleanParameter extends Common {
  kind: 'boolean';
  default: boolean;
}
export type RunParameter = NumberParameter | ChoiceParameter | BooleanParameter;

const num = (p: Omit<NumberParameter, 'kind'>): NumberParameter => ({ kind: 'number', ...p });
/** Keeps the words' literal types, so a default types as VetoMode, ExtractionMode, ... */
const choice = <const C extends string>(p: Omit<ChoiceParameter, 'kind' | 'default' | 'choices'> & { default: NoInfer<C>; choices: readonly C[] }) =>
  ({ kind: 'choice', ...p }) as ChoiceParameter & { default: C; choices: readonly C[] };
const flag = (p: Omit<BooleanParameter, 'kind' | 'default'>): BooleanParameter => ({ kind: 'boolean', default: false, ...p });

/** The parameter list; the help prints the flags in this order, one section each. */
export const RUN_PARAMETERS = {
  'filters.spreadModelMin': num({
    key: 'filters.spreadModelMin', flag: 'spread-min', metavar: 'X', default: -0.01, min: -1, max: 1, step: 0.001, unit: '',
    description: 'keep SPREAD_MODEL > X', note: 'published -0.002', label: 'SPREAD_MODEL >',
  }),
  'filters.fwhmMinPx': num({
    key: 'filters.fwhmMinPx', flag: 'fwhm-min', metavar: 'PX', default: 2, min: 0, max: 100, step: 0.1, unit: 'px',
    description: 'keep FWHM >= PX at 1.7"/px', note: "scaled to each plate's pixels", label: 'FWHM ≥',
  }),
  'filters.fwhmMaxPx': num({
    key: 'filters.fwhmMaxPx', flag: 'fwhm-max', metavar: 'PX', default: 7, min: 0, max: 100, step: 0.1, unit: 'px',
    description: 'keep FWHM <= PX at 1.7"/px', label: 'FWHM ≤',
  }),
  'filters.elongationMax': num({
    key: 'filters.elongationMax', flag: 'elong-max', metavar: 'X', default: 1.3, min: 1, max: 100, step: 0.05, unit: '',
    description: 'keep ELONGATION < X (rejects streaks and trails)', label: 'ELONGATION <',
  }),
  'filters.symmetryMaxPx': num({
    key: 'filters.symmetryMaxPx', flag: 'symmetry-max', metavar: 'PX', default: 2, min: 0, max: 1000, step: 0.5, unit: 'px',
    description: 'keep |width - height| of the bounding box < PX', label: 'symmetry <',
  }),
  'filters.snrMin': num({
    key: 'filters.snrMin', flag: 'snr-min', metavar: 'X', default: 30, min: 0, max: 10000, step: 1, unit: '',
    description: 'keep FLUX_AUTO/FLUXERR_AUTO >= X', label: 'SNR ≥',
  }),
  'filters.maxCentreDeg': num({
    key: 'filters.maxCentreDeg', flag: 'max-centre-deg', metavar: 'DEG', default: 0, min: 0, max: 90, step: 0.1, unit: '°',
    description: 'drop sources farther than DEG from the plate centre, 0 = no cut', note: '2 in the 2025 follow-up analyses', label: 'from centre ≤',
  }),
  'filters.mad.enabled': flag({
    key: 'filters.mad.enabled', flag: 'mad', unit: '',
    description: 'local MAD clipping of FWHM and ELONGATION (2 sigma, 30\' cells)', label: 'MAD clipping',
  }),
  'redBlue.radiusArcsec': num({
    key: 'redBlue.radiusArcsec', flag: 'red-blue-radius', metavar: 'AS', default: 5, min: 0, max: 60, step: 0.5, unit: '″',
    description: 'a red source with a blue one this close (arcsec) is dropped', label: 'red–blue radius',
  }),
  'redBlue.blueMatch': choice({
    key: 'redBlue.blueMatch', flag: 'blue-match', metavar: 'MODE', default: 'detected', choices: ['detected', 'filtered'], unit: '',
    description: 'detected: any blue detection within the radius makes a red source persistent\nfiltered: only a blue source passing every blue cut does (the published method)',
    note: 'see README, Red versus blue', label: 'blue match',
  }),
  'redBlue.allowOtherField': flag({
    key: 'redBlue.allowOtherField', flag: 'allow-other-field', unit: '',
    description: 'accept a blue plate of another POSS-I field that overlaps the red one\n(only the overlap is compared; a pair that does not overlap is always refused)', label: 'other field',
  }),
  'catalogue.veto': choice({
    key: 'catalogue.veto', flag: 'veto', metavar: 'MODE', default: 'xmatch', choices: ['xmatch', 'cone', 'local', 'none'], unit: '',
    description: 'xmatch (CDS XMatch upload of the survivors) | cone (VizieR) | local | none', label: 'veto',
  }),
  'catalogue.vetoRadiusArcsec': num({
    key: 'catalogue.vetoRadiusArcsec', flag: 'veto-radius', metavar: 'AS', default: 5, min: 0, max: 60, step: 0.5, unit: '″',
    description: 'counterpart radius, arcsec: a modern-catalogue counterpart this close drops the candidate', label: 'veto radius',
  }),
  'catalogue.supercosmosRole': choice({
    key: 'catalogue.supercosmosRole', flag: 'supercosmos-role', metavar: 'R', default: 'confirm', choices: ['confirm', 'veto'], unit: '',
    description: 'SuperCOSMOS (GAVO TAP): confirm = keep only candidates its own scan of the POSS-I E plate\nalso saw (R1 within the veto radius), veto = drop those seen on a later B/R2/I plate', note: 'as published', label: 'SuperCOSMOS',
  }),
  'catalogue.ptfMinGoodObs': num({
    key: 'catalogue.ptfMinGoodObs', flag: 'ptf-min-good', metavar: 'N', default: 1, min: 1, max: 10000, integer: true, step: 1, unit: '',
    description: 'a PTF object (IRSA TAP) vetoes a candidate when it has at least N good observations (ngoodobs)', note: 'ngoodobs > 0, as published', label: 'PTF good obs ≥',
  }),
  'catalogue.asteroidRadiusArcsec': num({
    key: 'catalogue.asteroidRadiusArcsec', flag: 'asteroid-radius', metavar: 'AS', default: 5, min: 0, max: 600, step: 0.5, unit: '″',
    description: 'SkyBoT flag radius, arcsec', label: 'asteroid radius',
  }),
  'catalogue.decMin': num({
    key: 'catalogue.decMin', flag: 'dec-min', metavar: 'DEG', default: -30, min: -90, max: 90, step: 1, unit: '°',
    description: 'drop candidates south of this', note: 'the published limit', label: 'Dec ≥',
  }),
  'catalogue.gaiaRefit': choice({
    key: 'catalogue.gaiaRefit', flag: 'gaia-refit', metavar: 'MODE', default: 'on', choices: ['on', 'off'], unit: '',
    description: "refit each plate's solution (per tile) to Gaia at the plate epoch when Gaia is reachable\n(the veto's own query or --catalog gaia=FILE); refused and said when the fit is poor", label: 'Gaia refit',
  }),
  'catalogue.brightStarMask': choice({
    key: 'catalogue.brightStarMask', flag: 'bright-star-mask', metavar: 'MODE', default: 'flag', choices: ['drop', 'flag', 'off'], unit: '',
    description: 'candidates on the halo or diffraction spikes of a bright star (saturated on the plate or bright in Gaia):\ndrop, flag (kept, said in the ledger) or off', label: 'bright-star mask',
  }),
  'extraction.mode': choice({
    key: 'extraction.mode', flag: 'extraction', metavar: 'MODE', default: 'fast', choices: ['fast', 'straightforward'], unit: '',
    description: 'fast: SPREAD_MODEL only for sources that can still change the answer\nstraightforward: every source measured with SPREAD_MODEL, then all filters (the reference order)', label: 'extraction',
  }),
  'extraction.psfSample': choice({
    key: 'extraction.psfSample', flag: 'psf-sample', metavar: 'S', default: 'lean', choices: ['lean', 'all'], unit: '',
    description: 'lean: PSF stamps of isolated bright stars only; all: of every detection', note: 'all with straightforward', label: 'PSF stars',
  }),
  'extraction.tileSizePx': num({
    key: 'extraction.tileSizePx', flag: 'tile-size', metavar: 'PX', default: 7168, min: 0, integer: true, step: 512, unit: 'px',
    description: 'tile core side in pixels, 0 = whole plate', note: '2x2 on a full plate; 0 with straightforward', label: 'tile size',
  }),
  'extraction.tileOverlapPx': num({
    key: 'extraction.tileOverlapPx', flag: 'tile-overlap', metavar: 'PX', default: 768, min: 0, integer: true, step: 256, unit: 'px',
    description: 'pixels a tile reaches beyond its core', note: 'three 256 px background meshes', label: 'tile overlap',
  }),
} as const satisfies Record<string, RunParameter>;

export type RunParameterKey = keyof typeof RUN_PARAMETERS;
export const RUN_PARAMETER_LIST: readonly RunParameter[] = Object.values(RUN_PARAMETERS);

/** The default of a parameter, typed by its kind. */
export function parameterDefault<K extends RunParameterKey>(key: K): (typeof RUN_PARAMETERS)[K]['default'] {
  return RUN_PARAMETERS[key].default;
}

export function findRunParameter(key: string): RunParameter | undefined {
  return (RUN_PARAMETERS as Record<string, RunParameter>)[key];
}

/** The zod type a parameter's value must satisfy (limits and choices included). */
export function parameterSchema(p: RunParameter): z.ZodType {
  if (p.kind === 'boolean') return z.boolean();
  if (p.kind === 'choice') return z.enum(p.choices as [string, ...string[]]);
  const n = z.number().min(p.min).max(p.max ?? Infinity);
  return p.integer ? n.int() : n;
}

/** What a valid value looks like, for error messages: "a number from 0 to 60", "one of fast, straightforward". */
export function describeAllowed(p: RunParameter): string {
  if (p.kind === 'boolean') return 'true or false';
  if (p.kind === 'choice') return `one of ${p.choices.join(', ')}`;
  const what = p.integer ? `a whole number${p.unit === 'px' ? ' of pixels' : ''}` : 'a number';
  return p.max === undefined ? `${what} >= ${p.min}` : `${what} from ${p.min} to ${p.max}`;
}

/** Null when `value` is valid for the parameter, else what it must be. */
export function checkParameter(p: RunParameter, value: unknown): string | null {
  return parameterSchema(p).safeParse(value).success ? null : describeAllowed(p);
}

/** The help lines of the parameters: flag, description, default and limits. */
export function parameterHelp(keys: readonly RunParameterKey[]): string {
  const lines: string[] = [];
  for (const key of keys) {
    const p: RunParameter = RUN_PARAMETERS[key];
    const head = `  --${p.flag}${p.kind === 'boolean' ? '' : ` ${p.metavar}`}`;
    const [first, ...more] = p.description.split('\n');
    const limits = p.kind === 'number' ? `; ${p.max === undefined ? `>= ${p.min}` : `${p.min} to ${p.max}`}` : '';
    const def = p.kind === 'boolean' ? 'off by default' : `default ${p.default}${p.note ? `; ${p.note}` : ''}${limits}`;
    lines.push(`${head.length < 21 ? head.padEnd(21) : `${head}  `}${first}${more.length ? '' : ` (${def})`}`);
    more.forEach((m, i) => lines.push(`${' '.repeat(21)}${m}${i === more.length - 1 ? ` (${def})` : ''}`));
  }
  return lines.join('\n');
}
