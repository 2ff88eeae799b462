/** The one state-machine helper: check, move, analyse, mermaid, and the live machine's gate. */
import { describe, expect, it } from 'vitest';
import { StateTable } from '../../common/index.js';

type S = 'closed' | 'opening' | 'open' | 'done';
type E = 'connect' | 'ack' | 'close' | 'reset';
const table = new StateTable<S, E>('door', 'closed', [
  { from: 'closed', on: 'connect', to: 'opening' },
  { from: 'opening', on: 'ack', to: 'open' },
  { from: 'opening', on: 'reset', to: 'closed' },
  { from: 'open', on: 'close', to: 'done', note: 'FIN' },
], { final: ['done'] });

describe('StateTable', () => {
  it('check and move follow the rows only', () => {
    expect(table.check('closed', 'connect')).toBe(true);
    expect(table.check('closed', 'ack')).toBe(false);
    expect(table.move('opening', 'ack')).toBe('open');
    expect(table.move('opening', 'ack', 'closed')).toBeNull();
    expect(table.move('open', 'connect')).toBeNull();
  });
  it('a multi-target row: move needs the chosen target, and the live machine refuses such a table', () => {
    const multi = new StateTable<S, E>('m', 'closed', [{ from: 'closed', on: 'connect', to: ['opening', 'open'] }, { from: 'opening', on: 'ack', to: 'open' }], { final: ['open'] });
    expect(multi.move('closed', 'connect')).toBeNull();
    expect(multi.move('closed', 'connect', 'open')).toBe('open');
    expect(() => multi.machine()).toThrow(/several targets/);
  });
  it('analyse finds unreachable states, dead ends and duplicate rows', () => {
    expect(table.analyse()).toEqual({ reachable: ['closed', 'opening', 'open', 'done'], unreachable: [], deadEnds: [], duplicates: [] });
    const bad = new StateTable<S, E>('bad', 'closed', [
      { from: 'closed', on: 'connect', to: 'opening' },
      { from: 'closed', on: 'connect', to: 'open' },
      { from: 'done', on: 'reset', to: 'closed' },
    ]);
    const a = bad.analyse();
    expect(a.unreachable).toEqual(['done']);
    expect(a.deadEnds).toEqual(['opening', 'open']);
    expect(a.duplicates).toEqual(['closed on connect']);
  });
  it('mermaid lists every edge once, with notes, the entry and the final states', () => {
    expect(table.mermaid()).toBe([
      'stateDiagram-v2', '  %% door', '  [*] --> closed',
      '  closed --> opening: connect', '  opening --> open: ack', '  opening --> closed: reset', '  open --> done: close (FIN)',
      '  done --> [*]',
    ].join('\n'));
  });
  it('the live machine (typescript-fsm) moves along rows and refuses anything else without moving', () => {
    const m = table.machine();
    expect(m.state).toBe('closed');
    expect(m.fire('ack')).toBe(false);
    expect(m.state).toBe('closed');
    expect(m.fire('connect')).toBe(true);
    expect(m.can('ack')).toBe(true);
    expect(m.fire('ack')).toBe(true);
    expect(m.fire('close')).toBe(true);
    expect(m.state).toBe('done');
    expect(m.fire('connect')).toBe(false);
  });
});
