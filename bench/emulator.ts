/**
 * Emulator benchmarks: scheduler events per host second (pure-callback events), and transport
 * throughput (virtual megabytes moved per host second over a lossless link).
 *
 * Run alone with `npx tsx bench/emulator.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Scheduler, Simulation, SOCKET_ERROR } from '../emulator/index.js';

/** One benchmark figure. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
}

/** Host wall and CPU seconds of one measured run. */
interface Timing {
  wallS: number;
  cpuS: number;
}

async function timed(fn: () => Promise<void>): Promise<Timing> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return { wallS: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6 };
}

/**
 * Pure-callback events: 1,000 "actors" each rescheduling itself with a pseudo-random delay
 * (a heap of about 1,000 events). Returns events per wall second and per CPU second (the two
 * differ when the host is shared).
 */
async function schedulerEventsPerSecond(totalEvents: number): Promise<{ wall: number; cpu: number }> {
  const s = new Scheduler();
  let left = totalEvents;
  let x = 12345;
  const actor = (): void => {
    if (--left <= 0) return;
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s.after(1 + (x >>> 20), actor);
  };
  for (let i = 0; i < 1000; i++) s.at(i, actor);
  const t = await timed(async () => {
    await s.run();
  });
  return { wall: s.eventsRun / t.wallS, cpu: s.eventsRun / t.cpuS };
}

/**
 * One bulk transfer (trace kept off, hash still computed) over a lossless 1 Gbit/s link with
 * 100 µs latency; returns virtual MB moved per wall second and per CPU second.
 */
async function transportMBps(bytes: number): Promise<{ wall: number; cpu: number }> {
  const sim = new Simulation({ seed: 1, trace: { keep: false } });
  const a = sim.addDevice('a', 'ce210-handheld', { address: '10.0.0.1' });
  const b = sim.addDevice('b', 'ce210-handheld', { address: '10.0.0.2' });
  sim.link(a, b, { latencyNs: 100_000, bandwidthBps: 1_000_000_000 });
  let received = 0;
  b.spawn('sink.exe', async (ctx) => {
    const s = (await ctx.listen(5001).accept())!;
    for (;;) {
      const r = await s.recv(65536);
      if (r.result === SOCKET_ERROR) throw new Error(`recv: ${r.error}`);
      if (r.result === 0) break;
      received += r.result;
    }
    s.close();
  });
  a.spawn('source.exe', async (ctx) => {
    const s = await ctx.connect('10.0.0.2', 5001);
    const chunk = new Uint8Array(65536);
    for (let sent = 0; sent < bytes; sent += chunk.length) await s.send(chunk);
    s.close();
  });
  let reason = '';
  const t = await timed(async () => {
    reason = (await sim.run()).reason;
  });
  if (reason !== 'idle' || received !== bytes) throw new Error(`transfer incomplete: ${reason}, ${received}/${bytes}`);
  return { wall: bytes / 1e6 / t.wallS, cpu: bytes / 1e6 / t.cpuS };
}

/** Runs the emulator benchmarks. */
export async function benchEmulator(): Promise<{ name: string; value: number; unit: string }[]> {
  await schedulerEventsPerSecond(200_000); // warm-up
  const eps = await schedulerEventsPerSecond(3_000_000);
  await transportMBps(2 * 1024 * 1024);
  const mbps = await transportMBps(32 * 1024 * 1024);
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  return [
    { name: 'emulator.scheduler.events', value: Math.round(eps.wall), unit: 'events/s' },
    { name: 'emulator.scheduler.events.cpu', value: Math.round(eps.cpu), unit: 'events/CPU s' },
    { name: 'emulator.transport.throughput', value: r2(mbps.wall), unit: 'virtual MB/host s' },
    { name: 'emulator.transport.throughput.cpu', value: r2(mbps.cpu), unit: 'virtual MB/CPU s' },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await benchEmulator()) console.log(`${f.name}: ${f.value.toLocaleString('en-US')} ${f.unit}`);
}
