import { defineConfig } from 'vitest/config';

/** Slow interop and campaign suites: `npm run test:slow`. */
export default defineConfig({
  test: {
    include: ['test/slow/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
