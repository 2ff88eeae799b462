/** The Schannel context's phase table: its invariants, and the diagram in the docs. */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { SCHANNEL_PHASE_MOVES, schannelPhaseMermaid, type SchannelPhase } from '../../schannel/index.js';

describe('Schannel context phases', () => {
  it('every phase is reachable from handshake; failed is terminal; every phase can fail', () => {
    const seen = new Set<SchannelPhase>(['handshake']);
    const queue: SchannelPhase[] = ['handshake'];
    while (queue.length) for (const n of SCHANNEL_PHASE_MOVES[queue.shift()!]) if (!seen.has(n)) (seen.add(n), queue.push(n));
    expect([...seen].sort()).toEqual(Object.keys(SCHANNEL_PHASE_MOVES).sort());
    expect(SCHANNEL_PHASE_MOVES.failed).toEqual([]);
    for (const [p, moves] of Object.entries(SCHANNEL_PHASE_MOVES)) if (p !== 'failed') expect(moves).toContain('failed');
  });
  it('docs/schannel-context.md shows the table as it is', () => {
    const doc = readFileSync(new URL('../../docs/schannel-context.md', import.meta.url), 'utf8');
    expect(doc).toContain(schannelPhaseMermaid());
  });
});
