/**
 * `export.run`, the call behind the export dialog: each format lands in the
 * run's exports/ folder under its own extension, and the CSV's provenance file
 * is where the dialog says (provenanceSidecar of the returned file).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../electron/api/dispatch';
import { createApi } from '../../../electron/api/handlers';
import { provenanceSidecar } from '../../../electron/export/formats';
import { tempDir } from '../store/fixtures';
import { reviewedRun } from './reviewed-run';

describe('export.run', () => {
  it('writes CSV, ECSV, VOTable and DS9 regions, each with its extension', async () => {
    const dir = tempDir('vasco-export-api-');
    const { ws, runId } = reviewedRun(dir);
    ws.close();
    const api = await createApi({ dbPath: join(dir, 'vasco.sqlite'), offline: true });
    try {
      const run = async (format: string) => {
        const r = await dispatch(api.handlers, 'export.run', { runId, scope: 'vetted', format });
        if (!('result' in r)) throw new Error(JSON.stringify(r));
        return r.result as { rows: number; file: string; contentBase64: string };
      };
      const starts: Record<string, [RegExp, string]> = {
        csv: [/\.csv$/, 'id,run_id,source_number,ra,dec,'],
        ecsv: [/\.ecsv$/, '# %ECSV 1.0\r\n'],
        votable: [/\.vot$/, '<?xml version="1.0" encoding="UTF-8"?>\n<VOTABLE version="1.4"'],
        ds9: [/\.reg$/, '# Region file format: DS9 version 4.1\n'],
      };
      for (const [format, [extension, start]] of Object.entries(starts)) {
        const r = await run(format);
        expect(r.rows, format).toBe(3);
        expect(r.file, format).toMatch(extension);
        const text = Buffer.from(r.contentBase64, 'base64').toString('utf8');
        expect(text.startsWith(start), `${format}: ${text.slice(0, 80)}`).toBe(true);
        expect(readFileSync(r.file, 'utf8')).toBe(text);
      }
      const csv = await run('csv');
      expect(JSON.parse(readFileSync(provenanceSidecar(csv.file), 'utf8')).table).toBe(csv.file);
      expect(existsSync(provenanceSidecar((await run('ecsv')).file))).toBe(false);
      const bad = await dispatch(api.handlers, 'export.run', { runId, scope: 'vetted', format: 'fits' });
      expect('error' in bad && bad.error.code).toBe('bad-arguments');
    } finally {
      await api.close();
    }
  });
});
