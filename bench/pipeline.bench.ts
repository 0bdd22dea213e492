/**
 * `npm run bench -- pipeline [-- --full]`: the plate pipeline on synthetic
 * pairs, the straightforward order (every source measured with SPREAD_MODEL,
 * one piece, PSF stamps of every detection: the reference method) against
 * the fast order (defaults of `vasco run`), side by side in one run: wall
 * time, CPU time (this process + its reaped children) and peak memory per
 * stage, and the ratio. Also how the lean-sample PSF differs from the
 * all-stamps PSF: FWHM, SPREAD_MODEL on common sources, candidate overlap.
 *
 * 4000x4000 (preset bench-4k at 28,000 stars per square degree: ~10k
 * detections a plate at our 5-sigma defaults, issue 13's density): both
 * orders run fully; the speed-up is printed against its 8x target.
 * --blue-match MODE runs the fast order in that red-vs-blue mode (default:
 * vasco run's).
 * --full, 14000x14000 (preset plate): both orders run fully too (the
 * straightforward one takes about 9 minutes here at the 5-sigma detection
 * defaults); the fast order's wall time is printed against its 75 s target. With --extrapolate the straightforward order is not run whole:
 * its pass 1 + PSFEx are measured on the full red plate, its pass 2 is
 * EXTRAPOLATED from its measured cost per source on a 4096x4096 sub-region
 * of the same plate, and the table says which figures are extrapolated.
 *
 * --faint detects at 1.5 sigma (SExtractor's default) on every pair measured.
 * --fast-only runs only the fast order (the straightforward one takes 30 min
 * on the full pair at 1.5 sigma).
 *
 * Beside the main process's peak the table prints the figure measured before
 * the pipeline state became columns (README, Performance: whole state as
 * objects, JSON checkpoints after every stage), and each stage's checkpoint size.
 *
 * Peak memory: the main process's maxRSS, and each tool child's VmHWM polled
 * from /proc while it runs (native-tools/spawn.ts); the largest child is shown.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { resourceUsage } from 'node:process';
import { extractSources } from '../electron/pipeline/extract';
import { DEFAULT_EXTRACT } from '../electron/pipeline/parameters';
import { runPipeline, type RunOptions, type RunResult } from '../electron/pipeline/run';
import type { BlueMatch } from '../electron/pipeline/red-vs-blue';
import { loadPlate } from '../electron/pipeline/stages';
import { planTiles, writeTileImage } from '../electron/pipeline/tiles';
import type { TrackedSource } from '../electron/pipeline/types';
import { generatePlatePair } from '../electron/synth/generate-pair';
import { findNativeTools } from '../native-tools/find';
import { observeToolRuns } from '../native-tools/spawn';
import type { BenchOptions } from './run';
import { cpuSecondsSoFar, measure, table } from './measure';

export const name = 'pipeline';
export const description = 'straightforward vs fast extraction on synthetic plate pairs (4000x4000; --full adds 14000x14000)';

interface StageFigures {
  wall: number;
  cpu: number;
  /** Largest tool child of the stage, MiB (VmHWM). */
  childPeak: number;
  /** Main process maxRSS at the stage's end, MiB. */
  mainPeak: number;
}

interface Timed {
  result: RunResult;
  stages: Map<string, StageFigures>;
  wall: number;
  cpu: number;
  childPeak: number;
  mainPeak: number;
}

/** runPipeline with per-stage CPU (self + reaped children) and child peak memory. */
async function timedRun(opts: RunOptions): Promise<Timed> {
  const stages = new Map<string, StageFigures>();
  let current: { name: string; cpu0: number; t0: number; peak: number } | null = null;
  const stop = observeToolRuns((_label, run) => {
    if (current && run.peakRssMiB !== null) current.peak = Math.max(current.peak, run.peakRssMiB);
  });
  const close = () => {
    if (!current) return;
    stages.set(current.name, {
      wall: (performance.now() - current.t0) / 1000,
      cpu: cpuSecondsSoFar() - current.cpu0,
      childPeak: current.peak,
      mainPeak: resourceUsage().maxRSS / 1024,
    });
    current = null;
  };
  try {
    const { result, m } = await measure(() =>
      runPipeline({ ...opts, resume: false }, {
        onProgress: (p) => {
          if (p.fraction === 0 && current?.name !== p.stage) {
            close();
            current = { name: p.stage, cpu0: cpuSecondsSoFar(), t0: performance.now(), peak: 0 };
          } else if (p.fraction >= 1 && p.etaSeconds === 0 && current?.name === p.stage) close();
        },
      }),
    );
    close();
    const childPeak = Math.max(0, ...[...stages.values()].map((s) => s.childPeak));
    return { result, stages, wall: m.wallSeconds, cpu: m.cpuSeconds, childPeak, mainPeak: m.peakRssMiB };
  } finally {
    stop();
  }
}

/**
 * Stars per square degree of the 4000x4000 pair: ~10k detections a plate at
 * our 5-sigma defaults (issue 13's density; the preset's 5600 gives ~2.5k).
 */
const DENSE_4K_STARS_PER_SQ_DEG = 28000;

async function pair(opts: BenchOptions, preset: 'bench-4k' | 'plate') {
  const outDir = join(opts.workDir, 'pairs', preset === 'plate' ? 'plate' : `4k-${DENSE_4K_STARS_PER_SQ_DEG}`);
  const stem = preset === 'plate' ? 'plate' : 'p4k';
  const files = { red: join(outDir, `${stem}-red.fits`), blue: join(outDir, `${stem}-blue.fits`) };
  if (!existsSync(files.red) || !existsSync(files.blue)) {
    console.log(`generating the ${preset} pair in ${outDir} ...`);
    await generatePlatePair({ outDir, preset, name: stem, ...(preset === 'bench-4k' ? { starsPerSqDeg: DENSE_4K_STARS_PER_SQ_DEG } : {}) });
  }
  return files;
}

const STAGES = ['extract-red', 'extract-blue', 'positions', 'filters-blue', 'filters', 'red-vs-blue'];
const fmt = (v: number | undefined, d = 1) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));

function stageTable(a: Timed, b: Timed | null, labelB: string, extrapolated?: Map<string, number>): string {
  const rows: (string | number)[][] = [['stage', 'straight wall s', 'cpu s', 'child MiB', `${labelB} wall s`, 'cpu s', 'child MiB', 'main MiB', 'wall ratio']];
  for (const st of STAGES) {
    const x = a.stages.get(st);
    const y = b?.stages.get(st);
    const ex = extrapolated?.get(st);
    const sw = x ? fmt(x.wall) : ex !== undefined ? `${fmt(ex)} (extrap.)` : '-';
    const sWall = x?.wall ?? ex;
    rows.push([st, sw, x ? fmt(x.cpu) : '-', x ? fmt(x.childPeak, 0) : '-', y ? fmt(y.wall) : '-', y ? fmt(y.cpu) : '-', y ? fmt(y.childPeak, 0) : '-', y ? fmt(y.mainPeak, 0) : '-', sWall && y && y.wall > 0.05 ? `${fmt(sWall / y.wall)}x` : '-']);
  }
  return table(rows);
}

function median(v: number[]): number {
  const s = [...v].sort((p, q) => p - q);
  return s.length ? s[s.length >> 1] : NaN;
}
function quantile(v: number[], q: number): number {
  const s = [...v].sort((p, r) => p - r);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
}

/** The lean-sample PSF against the all-stamps PSF, through their runs. */
function psfComparison(a: RunResult, b: RunResult): string[] {
  const lines: string[] = [];
  for (const band of ['red', 'blue'] as const) {
    lines.push(`  PSF FWHM ${band}: all stamps ${a.summary.plates[band]?.psfFwhmPx} px, lean sample ${b.summary.plates[band]?.psfFwhmPx} px`);
  }
  const key = (s: TrackedSource) => `${Math.round(s.x * 100)},${Math.round(s.y * 100)}`;
  const byPos = new Map(a.sources.map((s) => [key(s), s]));
  const d: number[] = [];
  for (const s of b.sources) {
    const o = byPos.get(key(s));
    if (o && o.spreadModel !== null && s.spreadModel !== null) d.push(s.spreadModel - o.spreadModel);
  }
  const abs = d.map(Math.abs);
  lines.push(`  SPREAD_MODEL lean - all on ${d.length} common red sources: median ${fmt(median(d), 5)}, median |d| ${fmt(median(abs), 5)}, 95th pct |d| ${fmt(quantile(abs, 0.95), 5)}, max |d| ${fmt(Math.max(...abs), 4)}`);
  const near = (x: TrackedSource, ys: TrackedSource[]) => ys.some((y) => Math.hypot(x.x - y.x, x.y - y.y) < 0.1 / 1.7);
  const common = b.candidates.filter((s) => near(s, a.candidates)).length;
  lines.push(`  candidates: straightforward ${a.candidates.length}, fast ${b.candidates.length}, in common within 0.1": ${common} (${fmt((100 * common) / Math.max(a.candidates.length, b.candidates.length), 2)} %)`);
  return lines;
}

function header(opts: BenchOptions, workers: number): void {
  const [l1, l5] = loadavg();
  console.log(`nproc ${availableParallelism()}, --workers ${workers}, load average ${l1.toFixed(2)} (1 min) ${l5.toFixed(2)} (5 min) at start; work dir ${opts.workDir}`);
}

/**
 * --faint: detect at SExtractor's default 1.5 sigma instead of our 5 sigma, on
 * every pair measured: many more faint detections, which the SNR cut drops
 * before the fast order measures them (the regime of the older STACK.md timings).
 */
const FAINT = process.argv.includes('--faint');
const detectionLabel = FAINT ? ' at DETECT_THRESH 1.5' : '';
const runsSuffix = FAINT ? '-faint' : '';

function withDetection(base: Omit<RunOptions, 'out'>): Omit<RunOptions, 'out'> {
  return FAINT ? { ...base, extraction: { detection: { detectThresh: 1.5, analysisThresh: 1.5 } } } : base;
}

/** --blue-match MODE: the fast order's red-vs-blue mode (default: vasco run's). */
const BLUE_MATCH = (() => {
  const i = process.argv.indexOf('--blue-match');
  return i >= 0 ? (process.argv[i + 1] as BlueMatch) : undefined;
})();
const withMode = (base: Omit<RunOptions, 'out'>): Omit<RunOptions, 'out'> => (BLUE_MATCH ? { ...base, redBlue: { blueMatch: BLUE_MATCH } } : base);

/** Issue 13's targets, by pair label: the fast order's speed-up (wall) over the straightforward one, or its wall time. */
const TARGETS: Record<string, { speedUp?: number; wallSeconds?: number }> = {
  '4000x4000': { speedUp: 8 },
  '14000x14000': { wallSeconds: 75 },
};

async function bench4k(opts: BenchOptions, workers: number): Promise<void> {
  const files = await pair(opts, 'bench-4k');
  await sideBySide(`4000x4000${detectionLabel}`, withMode(withDetection({ ...files, offline: true, workers })), join(opts.workDir, `runs-4k-${DENSE_4K_STARS_PER_SQ_DEG}${runsSuffix}`));
}

const FAST_ONLY = process.argv.includes('--fast-only');

/**
 * Main-process peak (MiB) measured before the pipeline state became columns
 * (README, Performance, commit 4b9a8fe): [straightforward, fast], by pair label.
 */
const BEFORE_COLUMNS_MIB: Record<string, [number, number]> = {
  '4000x4000': [127, 144],
  '14000x14000': [397, 552],
  '4000x4000 at DETECT_THRESH 1.5': [196, 245],
  '14000x14000 at DETECT_THRESH 1.5': [1373, 1467],
};

/** Sizes of a run's checkpoint files, MiB, by file name. */
function checkpointSizes(out: string): [string, number][] {
  const dir = join(out, 'work', 'checkpoints');
  return readdirSync(dir).filter((f) => f.endsWith('.cp')).sort().map((f) => [f, statSync(join(dir, f)).size / 2 ** 20]);
}

function printCheckpoints(order: string, out: string): void {
  const sizes = checkpointSizes(out);
  const total = sizes.reduce((t, [, b]) => t + b, 0);
  console.log(`  checkpoints (${order}): ${sizes.map(([f, b]) => `${f} ${fmt(b, 2)}`).join(', ')} MiB; largest ${fmt(Math.max(...sizes.map(([, b]) => b)), 2)} MiB, all ${fmt(total, 2)} MiB`);
}

/** Both orders, fully, on one pair (--fast-only: the fast order alone). */
async function sideBySide(label: string, base: Omit<RunOptions, 'out'>, out: string): Promise<void> {
  let a: Timed | null = null;
  if (!FAST_ONLY) {
    console.log(`\n${label} pair: straightforward order (one piece, stamps of every detection) ...`);
    a = await timedRun({ ...base, out: join(out, 'straightforward'), extraction: { ...base.extraction, mode: 'straightforward' } });
  }
  console.log(`${label} pair: fast order (defaults) ...`);
  const b = await timedRun({ ...base, out: join(out, 'fast') });
  const before = BEFORE_COLUMNS_MIB[label] ?? [NaN, NaN];
  if (a) console.log(stageTable(a, b, 'fast'));
  console.log(
    table([
      ['whole run', 'wall s', 'cpu s', 'largest child MiB', 'main MiB', 'main MiB before columns (README)'],
      ...(a ? [['straightforward', a.wall, a.cpu, a.childPeak, a.mainPeak, fmt(before[0], 0)]] : []),
      ['fast', b.wall, b.cpu, b.childPeak, b.mainPeak, fmt(before[1], 0)],
    ]),
  );
  if (a) printCheckpoints('straightforward', join(out, 'straightforward'));
  printCheckpoints('fast', join(out, 'fast'));
  console.log(`  main-process peak per stage (fast): ${[...b.stages].map(([n, f]) => `${n} ${fmt(f.mainPeak, 0)}`).join(', ')} MiB`);
  const red = b.result.summary.plates.red.sourcesExtracted;
  const blue = b.result.summary.plates.blue?.sourcesExtracted ?? 0;
  console.log(`  ${red} red + ${blue} blue detections; fast order with --blue-match ${(b.result.summary.parameters as { redBlue: { blueMatch: string } }).redBlue.blueMatch}`);
  const target = TARGETS[label];
  if (a) console.log(`  speed-up (wall): ${fmt(a.wall / b.wall)}x${target?.speedUp ? ` (target >= ${target.speedUp}x: ${a.wall / b.wall >= target.speedUp ? 'met' : 'NOT met'})` : ''}; CPU: ${fmt(a.cpu / b.cpu)}x; main-process peak ${fmt(a.mainPeak, 0)} vs ${fmt(b.mainPeak, 0)} MiB`);
  console.log(`  fast order end to end ${fmt(b.wall, 1)} s (${fmt(b.wall / 60, 2)} min)${target?.wallSeconds ? ` (target <= ${target.wallSeconds} s: ${b.wall <= target.wallSeconds ? 'met' : 'NOT met'})` : ''}; ${b.result.summary.candidates} candidates of ${b.result.sourceCount} red sources`);
  if (a) console.log(`  candidates: straightforward ${a.result.summary.candidates}, fast ${b.result.summary.candidates}`);
  for (const n of b.result.summary.notes.filter((x) => /extraction/.test(x))) console.log(`  ${n}`);
  if (a) for (const l of psfComparison(a.result, b.result)) console.log(l);
}

/** Straightforward pass-2 cost per source, measured on a sub-region of the full red plate. */
async function straightforwardPerSource(file: string, workDir: string, side: number) {
  const plate = await loadPlate(file, 'red');
  const { naxis1: w, naxis2: h } = plate.info;
  const tile = { ...planTiles(w, h, { tileSizePx: 0, overlapPx: 0, alignPx: 256 })[0], index: 0, x1: Math.floor((w - side) / 2 / 256) * 256 + 1, y1: Math.floor((h - side) / 2 / 256) * 256 + 1, width: side, height: side, whole: false };
  mkdirSync(workDir, { recursive: true });
  const sub = join(workDir, 'sub.fits');
  await writeTileImage(file, plate.hdu, tile, sub);
  const ex = await extractSources(await findNativeTools(), {
    image: sub, hdu: 0, workDir, pixelScaleArcsec: plate.info.pixelScaleArcsec, saturLevel: plate.saturLevel,
    imageHeight: side, imageWidth: side, detection: DEFAULT_EXTRACT.detection, psfDegrees: 2,
    psfFwhmRangePx: [DEFAULT_EXTRACT.psfFwhmRangePx[0] * (1.7 / plate.info.pixelScaleArcsec), DEFAULT_EXTRACT.psfFwhmRangePx[1] * (1.7 / plate.info.pixelScaleArcsec)],
  });
  return { sources: ex.sources.length, pass2: ex.seconds.pass2, perSource: ex.seconds.pass2 / Math.max(1, ex.sources.length), pass1: ex.seconds.pass1, psfex: ex.seconds.psfex };
}

async function benchFull(opts: BenchOptions, workers: number): Promise<void> {
  const files = await pair(opts, 'plate');
  const out = join(opts.workDir, `runs-plate${runsSuffix}`);
  if (!process.argv.includes('--extrapolate')) {
    await sideBySide(`14000x14000${detectionLabel}`, withMode(withDetection({ ...files, offline: true, workers })), out);
    return;
  }
  if (FAINT) throw new Error('--extrapolate measures the 5 sigma defaults only; drop --faint');
  console.log('\n14000x14000 pair: fast order (defaults) ...');
  const b = await timedRun({ ...files, offline: true, workers, out: join(out, 'fast') });
  for (const n of b.result.summary.notes.filter((x) => /extraction/.test(x))) console.log(`  ${n}`);

  console.log('14000x14000: straightforward order, measured: pass 1 (stamps of every detection) + PSFEx on the full red plate ...');
  const red = await loadPlate(files.red, 'red');
  const stampsDir = join(out, 'straightforward-red-pass1');
  rmSync(stampsDir, { recursive: true, force: true });
  const tools = await findNativeTools();
  const { runSextractor } = await import('../native-tools/sextractor');
  const { runPsfex } = await import('../native-tools/psfex');
  const scale = 1.7 / red.info.pixelScaleArcsec;
  const p1 = await measure(() => runSextractor(tools.sextractor, {
    image: red.file, hdu: red.hdu, workDir: stampsDir, pass: 'stamps', detection: DEFAULT_EXTRACT.detection,
    pixelScaleArcsec: red.info.pixelScaleArcsec, seeingFwhmArcsec: 2.5 * red.info.pixelScaleArcsec, saturLevel: red.saturLevel,
  }));
  const px = await measure(() => runPsfex(tools.psfex, { catalog: p1.result.catalog, workDir: stampsDir, degrees: 2, fwhmRangePx: [1.5 * scale, 10 * scale] }));
  rmSync(p1.result.catalog, { force: true }); // ~5 KB a source
  console.log(`  pass 1 with stamps: ${fmt(p1.m.wallSeconds)} s wall, ${fmt(p1.m.cpuSeconds)} s CPU, child peak ${fmt(p1.result.run.peakRssMiB ?? NaN, 0)} MiB; PSFEx: ${fmt(px.m.wallSeconds)} s wall, ${fmt(px.m.cpuSeconds)} s CPU, child peak ${fmt(px.result.run.peakRssMiB ?? NaN, 0)} MiB`);

  console.log('14000x14000: straightforward pass 2 cost per source, measured on a 4096x4096 sub-region of the red plate ...');
  const per = await straightforwardPerSource(files.red, join(out, 'straightforward-sub'), 4096);
  console.log(`  sub-region: ${per.sources} sources, pass 2 ${fmt(per.pass2)} s = ${fmt(per.perSource * 1000, 2)} ms a source`);
  const nRed = b.result.summary.plates.red.sourcesExtracted;
  const nBlue = b.result.summary.plates.blue?.sourcesExtracted ?? 0;
  const extrap = new Map<string, number>([
    ['extract-red', p1.m.wallSeconds + px.m.wallSeconds + per.perSource * nRed],
    // The blue plate's pass 1 + PSFEx taken as the red plate's (same size and density).
    ['extract-blue', p1.m.wallSeconds + px.m.wallSeconds + per.perSource * nBlue],
  ]);
  const straightTotal = [...extrap.values()].reduce((x, y) => x + y, 0);
  const a: Timed = { result: b.result, stages: new Map(), wall: straightTotal, cpu: NaN, childPeak: NaN, mainPeak: NaN };
  console.log(stageTable(a, b, 'fast', extrap));
  console.log(
    table([
      ['whole run', 'wall s', 'cpu s', 'largest child MiB', 'main MiB'],
      ['straightforward (EXTRAPOLATED: pass 1 + PSFEx measured on red, pass 2 = measured ms/source x sources)', straightTotal, '-', fmt(Math.max(p1.result.run.peakRssMiB ?? 0, px.result.run.peakRssMiB ?? 0), 0), '-'],
      ['fast (measured)', b.wall, b.cpu, b.childPeak, b.mainPeak],
    ]),
  );
  console.log(`  speed-up (wall, against the extrapolated straightforward order): ${fmt(straightTotal / b.wall)}x; fast order end to end ${fmt(b.wall / 60, 2)} min`);
}

export async function run(opts: BenchOptions): Promise<void> {
  const workers = Number(process.env.VASCO_BENCH_WORKERS ?? availableParallelism());
  header(opts, workers);
  if (!process.env.VASCO_BENCH_SKIP_4K) await bench4k(opts, workers);
  if (opts.full) await benchFull(opts, workers);
  const [l1] = loadavg();
  console.log(`load average at the end: ${l1.toFixed(2)}`);
}
