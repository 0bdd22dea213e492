#!/usr/bin/env node
// The `vasco` command: runs the TypeScript sources directly through tsx, so the
// CLI never lags behind a stale build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/cli/vasco.ts');
process.exitCode = await main(process.argv.slice(2));
