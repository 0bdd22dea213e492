/**
 * Child process for the crash and concurrency tests, run as
 * `node --import tsx writer.ts DB RUN_ID TAG [COUNT]`.
 *
 * Adds reviews in a loop (every seventh step an undo) and, only after the
 * store call has returned, prints `ack <review id>` on stdout with a
 * synchronous write, so every printed id is a flag the store acknowledged.
 * Runs until killed, or COUNT events then exits 0.
 */
import { writeSync } from 'node:fs';
import { REVIEW_LABELS } from '../../../../electron/store/labels';
import { openWorkspace } from '../../../../electron/store/workspace';

const [file, runIdText, tag, countText] = process.argv.slice(2);
const limit = countText ? Number(countText) : Infinity;
const ws = openWorkspace(file);
const ids = ws.listCandidates({ runId: Number(runIdText) }).rows.map((r) => r.id);
writeSync(1, 'ready\n');
for (let i = 0; i < limit; i++) {
  const candidateId = ids[i % ids.length];
  const reviewer = `writer-${i % 3}`;
  const event =
    i % 7 === 6
      ? ws.undoReview(candidateId, reviewer, '0.1.0-crash')
      : ws.addReview({
          candidateId,
          reviewer,
          label: REVIEW_LABELS[i % REVIEW_LABELS.length].label,
          note: `${tag} #${i}`,
          appVersion: '0.1.0-crash',
          display: { stretch: 'asinh', step: i },
        });
  if (event) writeSync(1, `ack ${event.id}\n`);
}
ws.close();
