import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The fast default suite: `npm test`. Slow interop suites live in test/slow and run with
 * `npm run test:slow`. `cesim/*` imports resolve to the TypeScript sources (the package's
 * `cesim-source` export condition), not to the built `dist/`.
 */
export default defineConfig({
  resolve: { conditions: ['cesim-source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['cesim-source', ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/slow/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
