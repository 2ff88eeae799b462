import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pattern, readAll, twoDevices } from './helpers.js';

/** An echo exchange over a lossy, reordering, duplicating, corrupting link. */
async function lossyScenario(seed: number | string) {
  const t = twoDevices({ latencyNs: 3_000_000, bandwidthBps: 5_000_000, loss: 0.08, reorder: 0.2, duplicate: 0.05, corrupt: 0.05, jitterNs: 1_000_000 }, { seed });
  const payload = pattern(40_000);
  t.server.spawn('echo.exe', async (ctx) => {
    const s = (await ctx.listen(7).accept())!;
    const req = await readAll(s);
    ctx.trace('app.request', { bytes: req.length });
    ctx.device.cpu.charge('sha256', req.length);
    await s.send(req);
    s.close();
  });
  t.client.spawn('client.exe', async (ctx) => {
    const s = await ctx.connect('10.0.0.1', 7);
    await s.send(payload);
    s.shutdown(1);
    const back = await readAll(s);
    s.close();
    if (back.length !== payload.length) throw new Error('short echo');
    return ctx.device.rng.u32();
  });
  const result = await t.sim.run();
  return { result, jsonl: t.sim.trace.toJsonLines(), trace: t.sim.trace };
}

describe('determinism', () => {
  it('the same seed gives the same trace and hash on a lossy, reordering link', async () => {
    const a = await lossyScenario(42);
    const b = await lossyScenario(42);
    expect(a.result.reason).toBe('idle');
    expect(a.result.hung).toEqual([]);
    expect(a.trace.filter('net.drop').length).toBeGreaterThan(0);
    expect(a.trace.filter('tcp.retransmit').length).toBeGreaterThan(0);
    expect(a.jsonl).toBe(b.jsonl);
    expect(a.result.traceHash).toBe(b.result.traceHash);
    expect(a.result.timeNs).toBe(b.result.timeNs);
    expect(a.result.tasks).toEqual(b.result.tasks);
  });

  it('a different seed gives a different hash on a lossy link', async () => {
    const a = await lossyScenario(42);
    const c = await lossyScenario(43);
    expect(c.result.reason).toBe('idle');
    expect(c.result.traceHash).not.toBe(a.result.traceHash);
  });

  it('the trace hash is SHA-256 over the canonical JSON lines', async () => {
    const { createHash } = await import('node:crypto');
    const a = await lossyScenario('x');
    expect(createHash('sha256').update(a.jsonl).digest('hex')).toBe(a.result.traceHash);
    const first = JSON.parse(a.jsonl.split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['details', 'device', 'kind', 't']);
  });
});

describe('no host time or host randomness in simulated code', () => {
  it('device/, sspi/, schannel/ and emulator/ never call Math.random( or Date.now( (except the real-time bridge)', () => {
    const root = join(import.meta.dirname, '..', '..');
    const hits: string[] = [];
    const walk = (dir: string): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const n of names) {
        const p = join(dir, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !relative(root, p).includes('bridge')) {
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (line.includes('Math.random(') || line.includes('Date.now(')) hits.push(`${relative(root, p)}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    for (const d of ['device', 'sspi', 'schannel', 'emulator']) walk(join(root, d));
    expect(hits).toEqual([]);
  });
});
