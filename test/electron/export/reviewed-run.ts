/**
 * A recorded run of ten candidates reviewed by three people, with labels,
 * notes and comments full of CSV, XML, YAML and DS9 specials: what every
 * export test writes and reads back. The `expected` cells are written out by
 * hand from the reviews below, not taken from an export.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ReviewLabel } from '../../../electron/store/labels';
import { openWorkspace, type Workspace } from '../../../electron/store/workspace';
import { PYTHON } from '../../helpers/python';
import { APP_VERSION, runInput, sky } from '../store/fixtures';

/** True when /usr/bin/python3 imports every module (pandas, regions: beyond helpers/python's haveAstropy); otherwise prints why the caller skips. */
export function havePythonModules(...modules: string[]): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn(`SKIP: ${PYTHON} cannot import ${modules.join(', ')} (bash scripts/setup.sh installs python3-astropy, python3-pandas, python3-regions)`);
    return false;
  }
}

const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

export interface ReviewedRun {
  ws: Workspace;
  runId: number;
  /** Candidate ids in id order. */
  ids: number[];
  /** Per candidate, in id order. */
  expected: { consensus: (ReviewLabel | null)[]; labels: string[]; comments: RegExp[] };
}

export function reviewedRun(dir: string): ReviewedRun {
  const ws = openWorkspace(join(dir, 'vasco.sqlite'));
  const runId = ws.recordRun(runInput('XE687', sky(20), 2, join(dir, 'run'))).runId;
  const ids = ws.listCandidates({ runId }).rows.map((r) => r.id);
  const add = (i: number, reviewer: string, label: ReviewLabel, note?: string) =>
    ws.addReview({ candidateId: ids[i], reviewer, label, note, appVersion: APP_VERSION });
  // Transient by consensus: 0, 1, 2 (2 with a note full of CSV and XML specials).
  add(0, 'ann', 'transient');
  add(1, 'ann', 'transient');
  add(1, 'bob', 'transient');
  add(2, 'ann', 'transient', 'quote " comma , <tag> & newline\nend');
  add(2, 'bob', 'transient');
  add(2, 'Smith, J. "cy"', 'blend');
  // Blends: 3, 4. A tie (unsure): 5. Transient for one reviewer, not the majority: 6.
  add(3, 'ann', 'blend');
  add(4, 'bob', 'blend');
  add(5, 'ann', 'transient');
  add(5, 'bob', 'dust_or_scratch');
  add(6, 'ann', 'transient');
  add(6, 'bob', 'emulsion_defect');
  add(6, 'Smith, J. "cy"', 'emulsion_defect');
  // Comments of their own: two on 0 (one with CSV/XML specials and a line break), one on the unreviewed 9.
  const comment = (i: number, reviewer: string, body: string) => ws.addComment({ candidateId: ids[i], reviewer, body, appVersion: APP_VERSION });
  comment(0, 'bob', 'checked the blue plate: nothing within 10"');
  comment(0, 'ann', 'edge "sharp", <b>not</b> a star & \nlooks like emulsion?');
  comment(9, 'Smith, J. "cy"', 'unreviewed but worth a look');

  const none = /^$/;
  return {
    ws,
    runId,
    ids,
    expected: {
      consensus: ['transient', 'transient', 'transient', 'blend', 'blend', 'unsure', 'emulsion_defect', null, null, null],
      labels: [
        'ann=transient',
        'ann=transient;bob=transient',
        'Smith, J. "cy"=blend;ann=transient;bob=transient',
        'ann=blend',
        'bob=blend',
        'ann=transient;bob=dust_or_scratch',
        'Smith, J. "cy"=emulsion_defect;ann=transient;bob=emulsion_defect',
        '',
        '',
        '',
      ],
      comments: [
        new RegExp(`^bob ${TIME}: checked the blue plate: nothing within 10" \\| ann ${TIME}: edge "sharp", <b>not</b> a star & looks like emulsion\\?$`),
        none,
        new RegExp(`^ann ${TIME}: quote " comma , <tag> & newline end$`),
        none,
        none,
        none,
        none,
        none,
        none,
        new RegExp(`^Smith, J\\. "cy" ${TIME}: unreviewed but worth a look$`),
      ],
    },
  };
}
