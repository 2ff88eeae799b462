import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** Slow interop and campaign suites: `npm run test:slow`. `cesim/*` resolves to the sources, as in vitest.config.ts. */
export default defineConfig({
  resolve: { conditions: ['cesim-source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['cesim-source', ...defaultServerConditions] } },
  test: {
    include: ['test/slow/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
