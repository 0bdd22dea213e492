/**
 * The real SExtractor finds what the generator says it injected: every red
 * transient of expected SNR >= 30, at its truth position, with an SNR near the
 * expected one (FLUX_AUTO / FLUXERR_AUTO with GAIN 0, as the pipeline runs it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePlatePair } from '../../../electron/synth/generate-pair';
import { median, readTruth } from './measure';

const SEX = '/usr/bin/source-extractor';
const SHARE = '/usr/share/source-extractor';
const haveSex = existsSync(SEX) && existsSync(join(SHARE, 'default.conv'));
if (!haveSex) console.warn(`SKIP: ${SEX} or ${SHARE}/default.conv missing (apt-get install source-extractor)`);

const work = mkdtempSync(join(tmpdir(), 'vasco-synth-sex-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!haveSex)('synthetic plates through the real SExtractor', () => {
  it('detects every injected red transient of SNR >= 30, where the truth puts it', async () => {
    const pair = await generatePlatePair({ outDir: work, plate: 'tan', size: 700, seed: 21, stars: 500, transients: 16, transientSnr: [15, 200], defects: 8 });
    const params = join(work, 'synth.param');
    writeFileSync(params, ['NUMBER', 'XWIN_IMAGE', 'YWIN_IMAGE', 'FLUX_AUTO', 'FLUXERR_AUTO', 'FLAGS'].join('\n') + '\n');
    const catalog = join(work, 'red.cat');
    // prettier-ignore
    execFileSync(SEX, [
      pair.red, '-c', '/dev/null',
      '-PARAMETERS_NAME', params, '-FILTER_NAME', join(SHARE, 'default.conv'), '-STARNNW_NAME', join(SHARE, 'default.nnw'),
      '-CATALOG_TYPE', 'ASCII_HEAD', '-CATALOG_NAME', catalog,
      '-DETECT_THRESH', '1.5', '-ANALYSIS_THRESH', '1.5', '-DETECT_MINAREA', '5', '-PHOT_AUTOPARAMS', '2.5,3.5',
      '-GAIN', '0', '-SATUR_LEVEL', '32767', '-BACK_SIZE', '64', '-VERBOSE_TYPE', 'QUIET',
    ], { stdio: 'pipe' });
    const detections = readFileSync(catalog, 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.trim().split(/\s+/).map(Number))
      .map(([, x, y, flux, fluxErr]) => ({ x, y, snr: flux / fluxErr }));
    const transients = readTruth(pair.truth).filter((r) => r.kind === 'transient' && r.red_snr_expected! >= 30);
    expect(transients.length).toBeGreaterThanOrEqual(8);
    const ratios: number[] = [];
    for (const t of transients) {
      const near = detections.filter((d) => Math.hypot(d.x - t.red_x!, d.y - t.red_y!) < 1.0);
      expect(near, `transient ${t.id} (SNR ${t.red_snr_expected}) at (${t.red_x}, ${t.red_y})`).toHaveLength(1);
      ratios.push(near[0].snr / t.red_snr_expected!);
    }
    console.log(
      `SExtractor: ${detections.length} detections; ${transients.length} transients of SNR >= 30 all found; ` +
        `measured/expected SNR median ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(' ')})`,
    );
    // Unsaturated ones land near the expected SNR; bright ones flatten in the response and read lower.
    expect(median(ratios)).toBeGreaterThan(0.6);
    expect(median(ratios)).toBeLessThan(1.4);
  });
});
