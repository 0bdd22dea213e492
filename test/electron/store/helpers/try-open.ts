/**
 * Child process for the permission tests (run as an unprivileged user when the
 * tests run as root, since root ignores file modes): `node --import tsx
 * try-open.ts DB [readonly]`. Opens the workspace, tries to add a reviewer, and
 * prints one JSON line: {ok} or {code, message, hint}.
 */
import { UserError } from '../../../../electron/core/errors';
import { openWorkspace } from '../../../../electron/store/workspace';

const [file, mode] = process.argv.slice(2);
try {
  const ws = openWorkspace(file, { readonly: mode === 'readonly' });
  const reviewers = ws.listReviewers();
  if (mode !== 'readonly') ws.addReviewer('someone');
  ws.close();
  console.log(JSON.stringify({ ok: true, reviewers }));
} catch (err) {
  if (!(err instanceof UserError)) throw err;
  console.log(JSON.stringify({ code: err.code, message: err.message, hint: err.hint }));
}
