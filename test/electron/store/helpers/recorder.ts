/**
 * Child process for the recording tests, run as
 * `node --import tsx recorder.ts DB REGION N OUT_DIR PAUSE_MS`.
 *
 * Records a run of N synthetic sources of REGION (fixtures.ts runInput, every
 * third a candidate) the way a run process does (recordRunPaced), slowed down
 * by PAUSE_MS between transactions so a test can look, write or kill it
 * part-way. Prints the RecordRunResult as JSON when done.
 */
import { writeSync } from 'node:fs';
import { openWorkspace } from '../../../../electron/store/workspace';
import { runInput, sky } from '../fixtures';

const [file, region, n, outDir, pauseMs] = process.argv.slice(2);
const ws = openWorkspace(file);
const result = await ws.recordRunPaced(runInput(region, sky(Number(n), 7), 3, outDir), { sliceMs: 2, minPauseMs: Number(pauseMs), patienceMs: 60_000 });
writeSync(1, `${JSON.stringify(result)}\n`);
ws.close();
