/** docs/sspi-context-lifecycle.md holds the diagram generated from the transition table. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contextLifecycleMermaid } from '../../sspi/index.js';

describe('lifecycle doc', () => {
  it('the Mermaid diagram in the doc is the generated one', () => {
    const doc = readFileSync(new URL('../../docs/sspi-context-lifecycle.md', import.meta.url), 'utf8');
    expect(doc).toContain(contextLifecycleMermaid());
  });
});
