/** The custom package of docs/sspi-custom-package.md (kept verbatim in custom-package.ts) works through the dispatcher. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SEC_I_CONTINUE_NEEDED } from '../../sspi/index.js';
import { helloDemo } from './custom-package.js';

describe('custom package from docs/sspi-custom-package.md', () => {
  it('runs through the dispatcher: token from the token pool, nothing held after', () => {
    expect(helloDemo()).toEqual({ status: SEC_I_CONTINUE_NEEDED, token: 'HELLO', leaks: 0 });
  });
  it('the doc holds the test file verbatim', () => {
    const doc = readFileSync(new URL('../../docs/sspi-custom-package.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./custom-package.ts', import.meta.url), 'utf8');
    expect(doc).toContain(code.trim());
  });
});
