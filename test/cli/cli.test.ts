import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIOS_DIR } from '../../emulator/scenario/index.js';
import { cesim } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cesim-cli-'));

describe('cesim run', () => {
  it('--json prints one document of the documented shape', async () => {
    const r = await cesim('run', 'default', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(['scenario', 'seed', 'result', 'stop', 'traceHash', 'programs', 'devices', 'assertions', 'totals', 'hostTimeMs']),
    );
    expect(doc.result).toBe('pass');
    expect(doc.traceHash).toMatch(/^[0-9a-f]{64}$/);
    const dev = (doc.devices as { pools: { name: string; sizeBytes: number; peakBytesRequested: number }[] }[])[0]!;
    expect(dev.pools.map((p) => p.name)).toEqual(['token', 'general', 'io']);
  });

  it('prints a readable summary by default', async () => {
    const r = await cesim('run', 'echo-lossy');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cesim run echo-lossy (seed 1): PASS');
    expect(r.stdout).toMatch(/Trace hash [0-9a-f]{64}/);
  });

  it('a failed budget assertion exits 1 naming it', async () => {
    const s = JSON.parse(readFileSync(join(SCENARIOS_DIR, 'default.json'), 'utf8')) as Record<string, unknown>;
    s.name = 'budget';
    s.assertions = [{ kind: 'pool-peak-under', name: 'client io budget', device: 'client', pool: 'io', bytes: 100 }];
    const file = join(tmp, 'budget.json');
    writeFileSync(file, JSON.stringify(s));
    // Certificates resolve against the scenario's folder: point them back at the package's.
    const r = await cesim('run', file, '--set', `devices[0].processes[0].params.cert=${join(SCENARIOS_DIR, 'pki/server-p256.chain.pem')}`, '--set', `devices[0].processes[0].params.key=${join(SCENARIOS_DIR, 'pki/server-p256.key.pem')}`, '--set', `devices[1].processes[0].params.roots=${JSON.stringify([join(SCENARIOS_DIR, 'pki/ec-root.pem')])}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/assertion failed: client io budget: peak \d+ bytes on client, expected under 100/);
  });

  it('an invalid scenario file exits 2 naming the field', async () => {
    const file = join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'bad', devices: [{ name: 'a', profile: 'nope', address: '10.0.0.1' }] }));
    const r = await cesim('run', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('devices[0].profile: expected one of ce210-handheld, ce210-tight or a profile object');
  });

  it('writes --pcap, --trace, --keylog and --report files', async () => {
    const f = (n: string) => join(tmp, n);
    const r = await cesim('run', '--pcap', f('a.pcap'), '--trace', f('a.jsonl'), '--keylog', f('a.keys'), '--report', f('a.html'));
    expect(r.code).toBe(0);
    expect(readFileSync(f('a.pcap')).readUInt32LE(0)).toBe(0xa1b23c4d);
    const first = JSON.parse(readFileSync(f('a.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['details', 'device', 'kind', 't']);
    expect(existsSync(f('a.keys'))).toBe(true);
    expect(readFileSync(f('a.html'), 'utf8')).toContain('ClientHello');
  });

  it('--seed changes the trace hash on a lossy link; the same seed keeps it', async () => {
    const h = async (seed: string) => (JSON.parse((await cesim('run', 'echo-lossy', '--json', '--seed', seed)).stdout) as { traceHash: string }).traceHash;
    const a = await h('3');
    expect(await h('3')).toBe(a);
    expect(await h('4')).not.toBe(a);
  });

  it('--profile replaces the client devices\' profile', async () => {
    const r = await cesim('run', 'default', '--json', '--profile', 'ce210-tight');
    const doc = JSON.parse(r.stdout) as { devices: { name: string; profile: string }[] };
    expect(doc.devices.find((d) => d.name === 'client')!.profile).toBe('ce210-tight');
    expect(doc.devices.find((d) => d.name === 'server')!.profile).toBe('ce210-handheld');
  });
});

describe('cesim profiles', () => {
  it('lists the profiles with pools, CPU and RAM', async () => {
    const r = await cesim('profiles');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ce210-handheld');
    expect(r.stdout).toContain('ce210-tight');
    expect(r.stdout).toMatch(/CPU NEC VR4121 131 MHz; RAM 16\.00 MiB/);
    expect(r.stdout).toMatch(/pool io/);
    expect(r.stdout).toMatch(/security packages \(HKLM\\Comm\\SecurityProviders\): schannel\.dll, ntlmssp\.dll, spnego\.dll/);
    const j = JSON.parse((await cesim('profiles', '--json')).stdout) as { name: string; pools: unknown[]; securityPackages: string[] }[];
    expect(j.map((p) => p.name)).toEqual(['ce210-handheld', 'ce210-tight']);
    expect(j.map((p) => p.securityPackages)).toEqual([['schannel.dll', 'ntlmssp.dll', 'spnego.dll'], ['schannel.dll', 'ntlmssp.dll', 'spnego.dll']]);
  });
});

describe('usage', () => {
  it.each(['run', 'campaign', 'profiles', 'scenarios', 'serve', 'connect'])('cesim %s --help exits 0 with a usage line', async (cmd) => {
    const r = await cesim(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: cesim ${cmd}`));
  });
  it.each(['--version', '-V'])('cesim %s prints the version from package.json', async (flag) => {
    const r = await cesim(flag);
    expect(r.code).toBe(0);
    const version = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    expect(r.stdout).toBe(`cesim ${version}\n`);
  });
  it('cesim --help lists the commands', async () => {
    const r = await cesim('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('campaign');
  });
  it.each([
    [['run', '--bogus'], /Unknown option '--bogus'/],
    [['run', '--seed'], /argument missing|--seed/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['run', 'no-such-scenario-x'], /no built-in scenario "no-such-scenario-x"/],
    [['campaign', '--seeds', '9..1'], /--seeds: the range 9\.\.1 is empty/],
    [['campaign', '--seeds', 'lots'], /--seeds: expected A\.\.B/],
    [['campaign', '--seeds', '1..2', '--faults', 'loss=7'], /--faults: loss: expected a probability/],
    [['campaign', '--seeds', '1..2', '--alloc-failures', 'often'], /--alloc-failures: expected key=value/],
    [['run', '--profile', 'pocketpc'], /--profile: unknown built-in profile "pocketpc"/],
    [['serve', '--listen', 'nowhere'], /--listen: expected HOST:PORT/],
    [['connect'], /HOST:PORT is required/],
    [['profiles', 'extra'], /unexpected argument "extra"/],
  ])('%j exits 2 with a clear message', async (argv, msg) => {
    const r = await cesim(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });
});

describe('cesim campaign', () => {
  it('runs a handful of seeds on worker threads and summarises them', async () => {
    const r = await cesim('campaign', 'default', '--seeds', '1..4', '--workers', '2', '--faults', 'loss=0.02', '--alloc-failures', 'p=0.01', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { runs: number; successes: number; leaks: number; exceptions: number; hangs: number; problems: { replay: string }[] };
    expect(doc.runs).toBe(4);
    expect(doc.leaks + doc.exceptions + doc.hangs).toBe(0);
    for (const p of doc.problems) expect(p.replay).toMatch(/^cesim run default --seed \d+ --faults loss=0\.02 --alloc-failures p=0\.01$/);
  });
});
