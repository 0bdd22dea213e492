/**
 * `vasco run --red FILE [--blue FILE] --out DIR ...`: the plate pipeline from
 * FITS to red-only candidates. Progress goes to stderr; Ctrl-C cancels and the
 * same command later resumes after the last finished stage.
 */
import { UserError } from '../../core/errors';
import type { Progress } from '../../core/stage';
import { DEFAULT_FILTERS } from '../../pipeline/filters';
import { runPipeline, type RunOptions, type RunResult } from '../../pipeline/run';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'run the plate pipeline: FITS -> extraction -> filters -> red vs blue -> candidates';

const f = DEFAULT_FILTERS;
const USAGE = `usage: vasco run --red FILE [--blue FILE] --out DIR [options]

  --red FILE         red POSS-I E plate or cutout (FITS)
  --blue FILE        blue POSS-I O plate of the same field; without it the run is red-only
  --out DIR          output folder: candidates.csv, sources.csv, summary.json, work/
  --red-only         ignore --blue (no red-vs-blue comparison)
  --offline          use no network at all
  --spread-min X     keep SPREAD_MODEL > X          (default ${f.spreadModelMin}; published -0.002)
  --fwhm-min PX      keep FWHM >= PX at 1.7"/px     (default ${f.fwhmMinPx}; scaled to each plate's pixels)
  --fwhm-max PX      keep FWHM <= PX at 1.7"/px     (default ${f.fwhmMaxPx})
  --elong-max X      keep ELONGATION < X            (default ${f.elongationMax})
  --snr-min X        keep FLUX_AUTO/FLUXERR_AUTO >= X (default ${f.snrMin})
  --mad              local MAD clipping of FWHM and ELONGATION (2 sigma, 30' cells; off by default)
  --workers N        parallel workers (recorded; used by tiled extraction in a later version)
  --resume           resume after the last finished stage (default)
  --fresh            ignore and delete earlier checkpoints
`;

function progressPrinter() {
  const tty = process.stderr.isTTY;
  let lastStage = '';
  let lastAt = 0;
  let lastFraction = 0;
  return (p: Progress) => {
    const now = Date.now();
    const changed = p.stage !== lastStage;
    const finished = p.fraction >= 1 && lastFraction < 1;
    if (!changed && !finished && now - lastAt < (tty ? 200 : 2000)) return;
    if (!changed && p.fraction >= 1 && !finished) return;
    lastAt = now;
    lastStage = p.stage;
    lastFraction = p.fraction;
    const eta = p.etaSeconds !== undefined && p.fraction < 1 ? `, about ${Math.ceil(p.etaSeconds)} s left` : '';
    const line = `${p.message ?? ''} ${p.stage} ${(100 * p.fraction).toFixed(0)}%${eta}`.trim();
    if (tty) process.stderr.write(`\r\x1b[K${line}${p.fraction >= 1 ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}

function funnel(r: RunResult): string {
  const lines = ['', `funnel (${r.summary.mode}${r.summary.modeReason ? `: ${r.summary.modeReason}` : ''}):`];
  for (const s of r.summary.stages) {
    const dropped = Object.entries(s.dropped)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const what = s.skipped ? `skipped: ${s.skipped}` : `${s.input} -> ${s.output}${dropped ? `  (dropped: ${dropped})` : ''}`;
    lines.push(`  ${s.name.padEnd(14)} ${what}${s.fromCheckpoint ? '  [from checkpoint]' : ''}`);
  }
  lines.push(`  candidates: ${r.summary.candidates} of ${r.sources.length} red sources`);
  for (const n of r.summary.notes) lines.push(`  note: ${n}`);
  lines.push(`wrote ${r.files.candidates}, ${r.files.sources}, ${r.files.summary}`);
  return lines.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('run', argv, {
    red: { type: 'string' },
    blue: { type: 'string' },
    out: { type: 'string' },
    offline: { type: 'boolean', default: false },
    'red-only': { type: 'boolean', default: false },
    'spread-min': { type: 'string' },
    'fwhm-min': { type: 'string' },
    'fwhm-max': { type: 'string' },
    'elong-max': { type: 'string' },
    'snr-min': { type: 'string' },
    mad: { type: 'boolean', default: false },
    workers: { type: 'string' },
    resume: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.red) throw new UserError('vasco run needs --red FILE (the red POSS-I E plate)', 'run `vasco run --help`');
  if (!values.out) throw new UserError('vasco run needs --out DIR (where candidates.csv and summary.json go)', 'run `vasco run --help`');
  if (values.resume && values.fresh) throw new UserError('vasco run: --resume and --fresh contradict each other', 'give one of them');
  const workers = numberOption('run', 'workers', values.workers, 1);
  if (!Number.isInteger(workers) || workers < 1) throw new UserError(`vasco run: --workers must be a whole number >= 1, got ${values.workers}`);

  const num = (name: string, fallback: number) => numberOption('run', name, values[name as keyof typeof values] as string | undefined, fallback);
  const options: RunOptions = {
    red: values.red,
    blue: values.blue,
    out: values.out,
    redOnly: values['red-only'],
    offline: values.offline,
    filters: {
      spreadModelMin: num('spread-min', f.spreadModelMin),
      fwhmMinPx: num('fwhm-min', f.fwhmMinPx),
      fwhmMaxPx: num('fwhm-max', f.fwhmMaxPx),
      elongationMax: num('elong-max', f.elongationMax),
      snrMin: num('snr-min', f.snrMin),
      mad: { ...f.mad, enabled: values.mad },
    },
    workers,
    resume: !values.fresh,
    command: ['vasco', 'run', ...argv],
  };

  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nvasco run: cancelling (run the same command again to resume)\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const result = await runPipeline(options, { signal: controller.signal, onProgress: progressPrinter() });
    process.stderr.write(funnel(result));
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
