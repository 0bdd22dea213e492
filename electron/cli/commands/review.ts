/**
 * `vasco review --db FILE --candidate ID --reviewer NAME --label LABEL
 * [--confidence C] [--note TEXT]` records a flag; `--undo` withdraws the
 * reviewer's current label instead; `--comment TEXT` adds a comment. Prints the event as one JSON line once it
 * is durable on disk. For scripts and batch flagging; the review screen does
 * the same through the store.
 */
import { UserError } from '../../core/errors';
import { packageVersion } from '../../store/app-version';
import { isReviewLabel, REVIEW_LABELS } from '../../store/labels';
import { openWorkspace } from '../../store/workspace';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'add a review flag to a candidate (or --undo the last one, or a --comment) in a workspace';

const usage = `usage: vasco review --db FILE --candidate ID --reviewer NAME (--label LABEL [--confidence 0..1] [--note TEXT] | --undo | --comment TEXT)
labels: ${REVIEW_LABELS.map((l) => l.label).join(', ')}
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('review', argv, {
    db: { type: 'string' },
    candidate: { type: 'string' },
    reviewer: { type: 'string' },
    label: { type: 'string' },
    confidence: { type: 'string' },
    note: { type: 'string' },
    undo: { type: 'boolean', default: false },
    comment: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(`${usage}${summary}\n`);
    return 0;
  }
  if (!values.db) throw new UserError('vasco review needs --db FILE (the workspace, e.g. RUN_DIR/vasco.sqlite)', usage.trim());
  const candidateId = numberOption('review', 'candidate', values.candidate, NaN);
  if (!Number.isInteger(candidateId) || candidateId <= 0) throw new UserError('vasco review needs --candidate ID (a candidate id from the workspace)', usage.trim());
  if (!values.reviewer?.trim()) throw new UserError('vasco review needs --reviewer NAME', usage.trim());
  if ([values.undo, values.label !== undefined, values.comment !== undefined].filter(Boolean).length > 1) {
    throw new UserError('vasco review: give one of --label, --undo or --comment', usage.trim());
  }

  const ws = openWorkspace(values.db);
  try {
    if (values.comment !== undefined) {
      const event = ws.addComment({ candidateId, reviewer: values.reviewer, body: values.comment, appVersion: packageVersion() });
      process.stdout.write(`${JSON.stringify(event)}\n`);
      return 0;
    }
    if (values.undo) {
      const event = ws.undoReview(candidateId, values.reviewer, packageVersion());
      if (!event) {
        process.stderr.write(`vasco review: ${values.reviewer} has no label on candidate ${candidateId} to undo\n`);
        return 1;
      }
      process.stdout.write(`${JSON.stringify(event)}\n`);
      return 0;
    }
    if (!values.label) throw new UserError('vasco review needs --label LABEL, --undo or --comment TEXT', usage.trim());
    if (!isReviewLabel(values.label)) {
      throw new UserError(`vasco review: unknown label "${values.label}"`, `use one of: ${REVIEW_LABELS.map((l) => l.label).join(', ')}`);
    }
    const confidence = values.confidence === undefined ? undefined : numberOption('review', 'confidence', values.confidence, NaN);
    const event = ws.addReview({
      candidateId,
      reviewer: values.reviewer,
      label: values.label,
      confidence,
      note: values.note,
      appVersion: packageVersion(),
      display: { source: 'vasco review (command line)' },
    });
    process.stdout.write(`${JSON.stringify(event)}\n`);
    return 0;
  } finally {
    ws.close();
  }
}
