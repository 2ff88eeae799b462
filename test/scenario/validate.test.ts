import { describe, expect, it } from 'vitest';
import { ScenarioError, builtinScenarios, loadScenario, validateScenario, applyOverrides } from '../../emulator/scenario/index.js';

const base = () => ({
  name: 'x',
  devices: [
    { name: 'server', profile: 'ce210-handheld', address: '10.0.0.1', processes: [{ program: 'echo-server' }] },
    { name: 'client', profile: 'ce210-handheld', address: '10.0.0.2', processes: [{ program: 'echo-client', params: { connect: 'server:7' } }] },
  ],
  links: [{ between: ['client', 'server'], latencyMs: 5 }],
});

function errorsOf(s: unknown): string[] {
  try {
    validateScenario(s);
  } catch (e) {
    if (e instanceof ScenarioError) return e.errors;
    throw e;
  }
  return [];
}

describe('scenario validation names the field and what was expected', () => {
  it('accepts a good scenario', () => {
    expect(errorsOf(base())).toEqual([]);
  });
  it('an unknown profile', () => {
    const s = base();
    (s.devices[1] as { profile: unknown }).profile = 'pocketpc';
    expect(errorsOf(s)).toContain('devices[1].profile: expected one of ce210-handheld, ce210-tight or a profile object, got "pocketpc"');
  });
  it('a bad field inside a custom profile object', () => {
    const s = base();
    (s.devices[0] as { profile: unknown }).profile = { extends: 'ce210-handheld', ramBytes: -5 };
    expect(errorsOf(s).some((e) => e.startsWith('devices[0].profile.ramBytes'))).toBe(true);
  });
  it('a probability out of range on a link', () => {
    const s = base();
    (s.links[0] as Record<string, unknown>).loss = 2;
    expect(errorsOf(s)).toEqual(['links[0].loss: expected a number >= 0 and <= 1, got 2']);
  });
  it('an unknown program and a bad program parameter', () => {
    const s = base();
    (s.devices[0]!.processes[0] as { program: string }).program = 'ftp-server';
    (s.devices[1]!.processes[0] as { params: Record<string, unknown> }).params = { connect: 'server:7', bytes: 'many' };
    const errs = errorsOf(s);
    expect(errs).toContain('devices[0].processes[0].program: expected one of tls-client, tls-server, echo-client, echo-server, idle-client, garbage-client, flood-client, got "ftp-server"');
    expect(errs).toContain('devices[1].processes[0].params.bytes: expected an integer');
  });
  it('a missing address, a duplicate name, an unknown link end, an unknown assertion kind', () => {
    const s = base() as Record<string, unknown> & ReturnType<typeof base>;
    delete (s.devices[0] as Record<string, unknown>).address;
    s.devices[1]!.name = 'server';
    (s as Record<string, unknown>).assertions = [{ kind: 'fast' }];
    const errs = errorsOf(s);
    expect(errs).toContain('devices[0].address: required: expected an IPv4 address such as 10.0.0.1');
    expect(errs).toContain('devices[1].name: duplicate device name "server"');
    expect(errs.some((e) => e.startsWith('assertions[0].kind: expected one of completes, handshake-within'))).toBe(true);
  });
  it('an unknown top-level field and an allocation-failure rule with two kinds', () => {
    const s = { ...base(), colour: 'blue' } as Record<string, unknown>;
    ((s.devices as Record<string, unknown>[])[0]!).failures = [{ nth: 1, probability: 0.5 }];
    const errs = errorsOf(s);
    expect(errs.some((e) => e.startsWith('colour: unknown field'))).toBe(true);
    expect(errs).toContain('devices[0].failures[0]: expected exactly one of nth, atCall, probability, match (got nth, probability)');
  });
  it('every built-in scenario validates', async () => {
    const names = builtinScenarios().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'echo-lossy', 'tight', 'fleet']));
    for (const n of names) validateScenario((await loadScenario(n)).scenario);
  });
  it('--set overrides a nested field', async () => {
    const s = applyOverrides((await loadScenario('fleet')).scenario, ['devices[1].count=7', 'links[0].loss=0.1']);
    expect(s.devices[1]!.count).toBe(7);
    expect(s.links![0]!.loss).toBe(0.1);
  });
});
