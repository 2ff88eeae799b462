import { defineConfig } from 'vitest/config';

/** The fast default suite: `npm test`. Slow interop suites live in test/slow and run with `npm run test:slow`. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/slow/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
