import { defineConfig } from 'vitest/config';

// One runner for every test: unit, real-tool, store crash tests and the
// end-to-end tests that drive Debian's Chromium. Real tools are slow on two
// cores, so timeouts are generous and files run in separate processes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    environment: 'node',
  },
});
