import { describe, expect, it } from 'vitest';
import { Simulation } from '../../emulator/index.js';

function oneDevice(opts: ConstructorParameters<typeof Simulation>[0] = {}) {
  const sim = new Simulation({ seed: 1, ...opts });
  const dev = sim.addDevice('dev', 'ce210-handheld', { address: '10.0.0.1' });
  return { sim, dev };
}

describe('device tasks in virtual time', () => {
  it('sleep advances virtual time exactly; the device clock follows the scheduler', async () => {
    const { sim, dev } = oneDevice();
    const seen: number[] = [];
    dev.spawn('a.exe', async (ctx) => {
      seen.push(ctx.now());
      await ctx.sleep(1_500_000);
      seen.push(ctx.now(), ctx.device.clock.nowNs());
    });
    const r = await sim.run();
    expect(r.reason).toBe('idle');
    expect(seen).toEqual([0, 1_500_000, 1_500_000]);
    expect(r.timeNs).toBe(1_500_000);
  });

  it('CPU time charged to the device becomes virtual time at the next await point', async () => {
    const { sim, dev } = oneDevice();
    let charged = 0;
    let before = -1;
    let after = -1;
    dev.spawn('hash.exe', async (ctx) => {
      charged = ctx.device.cpu.charge('sha256', 1_000_000);
      before = ctx.now(); // the device clock already counts pending CPU time
      await ctx.sleep(0);
      after = sim.now();
    });
    const r = await sim.run();
    const whole = Math.floor(charged);
    expect(whole).toBeGreaterThan(0);
    expect(before).toBe(whole);
    expect(after).toBe(whole);
    expect(r.tasks[0]!.cpuNs).toBe(whole);
    expect(sim.trace.filter('task.compute')[0]!.details['ns']).toBe(whole);
  });

  it('computation at the end of a task is drained before task.end', async () => {
    const { sim, dev } = oneDevice();
    let charged = 0;
    dev.spawn('a.exe', async (ctx) => {
      charged = ctx.device.cpu.charge('sha256', 100_000);
    });
    const r = await sim.run();
    expect(r.tasks[0]!.endNs).toBe(Math.floor(charged));
  });

  it('two tasks computing on one device share its one CPU (the second waits)', async () => {
    const { sim, dev } = oneDevice();
    const ends: Record<string, number> = {};
    for (const name of ['a.exe', 'b.exe']) {
      dev.spawn(name, async (ctx) => {
        ctx.device.cpu.charge('sha256', 200_000);
        await ctx.compute();
        ends[name] = ctx.now();
      });
    }
    const r = await sim.run();
    const [a, b] = r.tasks.map((t) => t.cpuNs) as [number, number];
    expect(a).toBeGreaterThan(0);
    // b's whole nanoseconds may include a's leftover fraction: the device drains whole ns only
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
    expect(ends).toEqual({ 'a.exe': a, 'b.exe': a + b });
  });

  it('tasks on different devices compute in parallel', async () => {
    const sim = new Simulation({ seed: 1 });
    const a = sim.addDevice('a', 'ce210-handheld', { address: '10.0.0.1' });
    const b = sim.addDevice('b', 'ce210-handheld', { address: '10.0.0.2' });
    const ends: number[] = [];
    for (const d of [a, b])
      d.spawn('x.exe', async (ctx) => {
        ctx.device.cpu.charge('sha256', 200_000);
        await ctx.compute();
        ends.push(ctx.now());
      });
    await sim.run();
    expect(ends[0]).toBe(ends[1]);
  });

  it('waitFor a promise, a predicate, and a timeout', async () => {
    const { sim, dev } = oneDevice();
    const log: string[] = [];
    let flag = false;
    let resolveP: (v: string) => void = () => {};
    const p = new Promise<string>((r) => (resolveP = r));
    dev.spawn('setter.exe', async (ctx) => {
      await ctx.sleep(10);
      resolveP('hello');
      await ctx.sleep(10);
      flag = true;
    });
    dev.spawn('waiter.exe', async (ctx) => {
      const a = await ctx.waitFor(p, 1000);
      log.push(`${JSON.stringify(a)}@${ctx.now()}`);
      const b = await ctx.waitFor(() => flag && 'set', 1000);
      log.push(`${JSON.stringify(b)}@${ctx.now()}`);
      const c = await ctx.waitFor(() => false, 500);
      log.push(`${JSON.stringify(c)}@${ctx.now()}`);
    });
    await sim.run();
    expect(log).toEqual(['{"ok":true,"value":"hello"}@10', '{"ok":true,"value":"set"}@20', '{"ok":false,"timedOut":true}@520']);
  });

  it('ends idle with hung tasks listed when tasks wait for what never comes', async () => {
    const { sim, dev } = oneDevice();
    dev.spawn('server.exe', async (ctx) => {
      await ctx.listen(80).accept();
    });
    dev.spawn('waiter.exe', async (ctx) => {
      await ctx.waitFor(() => false);
    });
    dev.spawn('fine.exe', async () => 7);
    const r = await sim.run();
    expect(r.reason).toBe('idle');
    expect(r.hung.map((t) => [t.name, t.status, t.blockedOn])).toEqual([
      ['dev/server.exe#1', 'blocked', 'accept :80'],
      ['dev/waiter.exe#2', 'blocked', 'waitFor(predicate)'],
    ]);
    expect(r.tasks[2]).toMatchObject({ status: 'done', value: 7 });
    expect(r.failed).toBeNull();
  });

  it('ends at the time limit', async () => {
    const { sim, dev } = oneDevice({ timeLimitNs: 1_000_000_000 });
    let ticks = 0;
    dev.spawn('ticker.exe', async (ctx) => {
      for (;;) {
        await ctx.sleep(100_000_000);
        ticks++;
      }
    });
    const r = await sim.run();
    expect(r.reason).toBe('time-limit');
    expect(r.timeNs).toBe(1_000_000_000);
    expect(ticks).toBe(10);
    expect(r.hung.map((t) => t.blockedOn)).toEqual(['sleep 100000000']);
  });

  it('ends with task-failed, naming the task and its error, and runs nothing after', async () => {
    const { sim, dev } = oneDevice();
    let later = false;
    dev.spawn('bad.exe', async (ctx) => {
      await ctx.sleep(5);
      throw new Error('assertion failed');
    });
    dev.spawn('other.exe', async (ctx) => {
      await ctx.sleep(10);
      later = true;
    });
    const r = await sim.run();
    expect(r.reason).toBe('task-failed');
    expect(r.failed).toMatchObject({ task: 'dev/bad.exe#1', message: 'assertion failed' });
    expect(r.timeNs).toBe(5);
    expect(later).toBe(false);
    expect(r.tasks[0]).toMatchObject({ status: 'failed', error: 'Error: assertion failed' });
    expect(sim.trace.filter('task.fail').length).toBe(1);
  });

  it('a task that throws synchronously fails the run too', async () => {
    const { sim, dev } = oneDevice();
    dev.spawn('bad.exe', () => {
      throw new TypeError('sync');
    });
    const r = await sim.run();
    expect(r.reason).toBe('task-failed');
    expect(r.failed?.message).toBe('sync');
  });

  it('spawn at a later virtual time; the task runs as its own process', async () => {
    const { sim, dev } = oneDevice();
    const seen: [number, number, string][] = [];
    dev.spawn(
      'late.exe',
      async (ctx) => {
        seen.push([ctx.now(), ctx.process.pid, ctx.device.current?.name ?? '']);
      },
      { atNs: 777 },
    );
    const r = await sim.run();
    expect(seen).toEqual([[777, 1, 'late.exe']]);
    expect(r.tasks[0]!.startNs).toBe(777);
  });

  it('ctx.trace records upper-layer events under the device', async () => {
    const { sim, dev } = oneDevice();
    dev.spawn('app.exe', async (ctx) => {
      await ctx.sleep(3);
      ctx.trace('tls.handshake', { version: 'TLS 1.3', bytes: new Uint8Array([1, 2]) });
    });
    await sim.run();
    const e = sim.trace.filter('tls.handshake')[0]!;
    expect(e).toMatchObject({ t: 3, device: 'dev', kind: 'tls.handshake' });
    expect(sim.trace.toJsonLines()).toContain('{"details":{"bytes":"0102","task":"dev/app.exe#1","version":"TLS 1.3"},"device":"dev","kind":"tls.handshake","t":3}');
  });
});
