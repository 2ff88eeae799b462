/**
 * Scenario benchmarks: host time of the default scenario, and a fleet of clients against one
 * server device (host time and host memory per device).
 */
import { pathToFileURL } from 'node:url';
import { loadScenario, runScenario, ensureSchannel } from '../emulator/index.js';

/** One benchmark figure. */
export interface ScenarioFigure {
  name: string;
  value: number;
  unit: string;
}

function hostMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs the default scenario a few times and a 1,000-client echo fleet once. */
export async function benchScenario(): Promise<ScenarioFigure[]> {
  const out: ScenarioFigure[] = [];
  ensureSchannel();
  const def = await loadScenario('default');
  await runScenario(def, {});
  const runs = 5;
  const t0 = hostMs();
  for (let i = 0; i < runs; i++) await runScenario(def, { seed: i + 1 });
  out.push({ name: 'default scenario (TLS 1.3 + HTTP/1.0), host time per run', value: (hostMs() - t0) / runs, unit: 'ms' });
  const fleet = await loadScenario('fleet');
  const heap0 = process.memoryUsage().rss;
  const t1 = hostMs();
  const r = await runScenario(fleet, {});
  const devices = r.summary.devices.length;
  out.push({ name: `TLS fleet of ${devices - 1} clients against one server, host time`, value: hostMs() - t1, unit: 'ms' });
  out.push({ name: 'TLS fleet, host RSS growth per device', value: Math.max(0, process.memoryUsage().rss - heap0) / devices / 1024, unit: 'KiB' });
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const f of await benchScenario()) console.log(`${f.name}: ${f.value.toFixed(1)} ${f.unit}`);
}
