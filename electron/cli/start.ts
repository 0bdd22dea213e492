/**
 * The `vasco` process. bin/vasco.mjs imports this from the bundle
 * (dist/cli/vasco.mjs, scripts/build-node.mjs) or, while the sources are newer,
 * through tsx.
 */
import { main } from './vasco';

process.exitCode = await main(process.argv.slice(2));
