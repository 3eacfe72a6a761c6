import { defineConfig } from 'vitest/config';

// chdb binds one data directory per process, so every test file runs in its own forked process
// (the forks pool isolates files by default).
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'dashboards/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
