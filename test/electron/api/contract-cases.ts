/** Shared by the contract test and the HTTP host test. */
import type { MethodName } from '../../../electron/api/contract';

/** Per method: arguments that are valid, and malformed ones with the field the error must name. */
export const CASES: Record<MethodName, { good: unknown; bad: [unknown, string][] }> = {
  'app.info': { good: {}, bad: [[{ verbose: true }, 'verbose']] },
  'runs.list': { good: {}, bad: [[{ limit: 3 }, 'limit']] },
  'runs.get': { good: { runId: 1 }, bad: [[{}, 'runId'], [{ runId: 'one' }, 'runId'], [{ runId: 1.5 }, 'runId']] },
  'runs.histograms': { good: { runId: 2 }, bad: [[{ runId: -1 }, 'runId']] },
  'pipeline.start': {
    good: { red: '/tmp/r.fits', offline: true, redOnly: false, params: { 'filters.spreadModelMin': -0.01 } },
    bad: [
      [{ red: '/tmp/r.fits', redOnly: false, params: {} }, 'offline'],
      [{ offline: true, redOnly: false, params: { x: [1] } }, 'params.x'],
      [{ offline: true, redOnly: false, params: {}, dec: 91 }, 'dec'],
    ],
  },
  'pipeline.cancel': { good: { jobId: 'abc' }, bad: [[{ jobId: '' }, 'jobId']] },
  'pipeline.resume': { good: { jobId: 'abc' }, bad: [[{ jobId: 7 }, 'jobId']] },
  'pipeline.status': { good: { jobId: 'abc' }, bad: [[{}, 'jobId']] },
  'candidates.list': {
    good: { runId: 1, offset: 0, limit: 50, sort: { column: 'mag', desc: true }, filter: { labels: ['transient', 'unreviewed'] } },
    bad: [
      [{ runId: 1, offset: -1, limit: 50 }, 'offset'],
      [{ runId: 1, offset: 0, limit: 50, sort: { column: 'DROP TABLE' } }, 'sort.column'],
      [{ runId: 1, offset: 0, limit: 50, filter: { labels: ['pretty'] } }, 'filter.labels.0'],
      [{ runIds: [1, 0], offset: 0, limit: 50 }, 'runIds.1'],
    ],
  },
  'survey.overview': { good: { reviewer: 'ann', blind: false }, bad: [[{ dir: '/tmp' }, 'dir']] },
  'candidates.get': { good: { candidateId: 3, blind: true, reviewer: 'ann' }, bad: [[{ candidateId: 3, blind: 'yes' }, 'blind']] },
  'cutout.get': {
    good: { candidateId: 3, band: 'blue', sizePx: 64 },
    bad: [[{ candidateId: 3, band: 'green', sizePx: 64 }, 'band'], [{ candidateId: 3, band: 'red', sizePx: 1e6 }, 'sizePx']],
  },
  'blink.get': { good: { candidateId: 3, sizeArcsec: 60 }, bad: [[{ candidateId: 3, sizeArcsec: 0 }, 'sizeArcsec']] },
  'skycontext.get': { good: { candidateId: 3, sizeArcmin: 5 }, bad: [[{ candidateId: 3 }, 'sizeArcmin']] },
  'reviewers.list': { good: {}, bad: [[{ all: 1 }, 'all']] },
  'reviewers.add': { good: { name: 'ann' }, bad: [[{ name: '   ' }, 'name']] },
  'reviews.add': {
    good: { candidateId: 3, reviewer: 'ann', label: 'transient', confidence: 0.8, display: { stretch: 'asinh' } },
    bad: [
      [{ candidateId: 3, reviewer: 'ann', label: 'alien' }, 'label'],
      [{ candidateId: 3, reviewer: 'ann', label: 'transient', confidence: 2 }, 'confidence'],
    ],
  },
  'reviews.undo': {
    good: { candidateId: 3, reviewer: 'ann', idempotencyKey: 'b7c1e0f2-undo' },
    bad: [[{ candidateId: 3 }, 'reviewer'], [{ candidateId: 3, reviewer: 'ann', idempotencyKey: '' }, 'idempotencyKey']],
  },
  'comments.add': {
    good: { candidateId: 3, reviewer: 'ann', body: 'faint halo', idempotencyKey: 'b7c1e0f2-comment' },
    bad: [[{ candidateId: 3, reviewer: 'ann', body: '   ' }, 'body'], [{ candidateId: 3, reviewer: 'ann', body: 'x'.repeat(4001) }, 'body']],
  },
  'comments.list': { good: { candidateId: 3, reviewer: 'ann', blind: true }, bad: [[{ candidateId: 0 }, 'candidateId']] },
  'reviews.agreement': { good: { runId: 1 }, bad: [[{ runId: null }, 'runId']] },
  'export.run': {
    good: { runId: 1, scope: 'vetted', format: 'votable', labels: ['transient'] },
    bad: [[{ runId: 1, scope: 'vetted', format: 'xlsx' }, 'format'], [{ runId: 1, scope: 'some', format: 'csv' }, 'scope']],
  },
  'samp.status': { good: {}, bad: [[{ hub: 'x' }, 'hub']] },
  'samp.connect': { good: {}, bad: [[{ lockfile: '/tmp/x' }, 'lockfile']] },
  'samp.disconnect': { good: {}, bad: [[{ now: true }, 'now']] },
  'samp.sendTable': { good: { runId: 1, scope: 'all' }, bad: [[{ runId: 1, scope: 'some' }, 'scope'], [{ scope: 'all' }, 'runId']] },
  'samp.sendCutouts': { good: { candidateId: 3, sizePx: 128 }, bad: [[{ candidateId: 3, sizePx: 4 }, 'sizePx']] },
  'samp.pointAt': { good: { candidateId: 3 }, bad: [[{ candidateId: 'x' }, 'candidateId']] },
  'samp.highlight': { good: { candidateId: 3 }, bad: [[{}, 'candidateId']] },
  'published.list': { good: { runId: 1 }, bad: [[{ runId: 0 }, 'runId']] },
  'published.blink': { good: { publishedId: 4, sizeArcsec: 120 }, bad: [[{ publishedId: 4 }, 'sizeArcsec'], [{ publishedId: -1, sizeArcsec: 60 }, 'publishedId']] },
  'files.list': { good: { dir: 'plates/2024 scans' }, bad: [[{ dir: 7 }, 'dir'], [{ path: '/etc' }, 'path']] },
};

