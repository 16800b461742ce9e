import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    exclude: ['test/faults/**', '**/node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on sockets, servers, Chromium and Dovecot rather than compute: two files at a
    // time (vitest's default is one fewer than the cores, one on a 2-core CI machine) keeps the
    // suite's wall time well inside CI's 30 minutes.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
